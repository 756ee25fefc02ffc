"""Staggered layered films: graphene-oxide sheets coated with amorphous alumina, in an interlayer.

Each layer of the RVE holds one sheet of finite length ``sheet_length`` (x1), coated on every
side by ``coating_thickness``; sheets of one layer are separated by ``gap`` (head gap), and
successive layers shift by ``stagger`` x period. The rest is the interlayer. With ``gap = 0``
the sheets are infinite and the RVE is the exact laminate
(interlayer/2, coating, sheet, coating, interlayer/2 per layer).
2D (plane strain, layers normal to x2) by default; ``width`` gives a 3D cell whose sheets span
x2. Units: nm.
"""

from __future__ import annotations

from collections.abc import Sequence

from meshing.geometry import Box, PeriodicGeometry, ThinFeature, check_positive
from meshing.shapes import Block, Slab

__all__ = ["staggered_laminate_geometry"]


def staggered_laminate_geometry(
    sheet_length: float,
    sheet_thickness: float,
    coating_thickness: float,
    interlayer_thickness: float,
    gap: float = 0.0,
    stagger: float = 0.5,
    layers: int = 2,
    width: Sequence[float] = (),
    sheet_phase: str = "sheet",
    coating_phase: str = "coating",
    interlayer_phase: str = "interlayer",
) -> PeriodicGeometry:
    """Geometry of staggered coated sheets in an interlayer.

    Parameters
    ----------
    sheet_length : float
        Length of each sheet along x1 (nm).
    sheet_thickness : float
        Sheet thickness (nm), e.g. 0.7 for monolayer graphene oxide.
    coating_thickness : float
        Coating on every side of a sheet (nm), e.g. 1-2 for ALD alumina; 0 for none.
    interlayer_thickness : float
        Interlayer between coated sheets of successive layers (nm).
    gap : float
        Head gap between the ends of sheets in one layer (nm); 0 for infinite sheets, otherwise
        more than twice the coating thickness (the interlayer must separate the coated ends).
    stagger : float
        Shift of each layer along x1 as a fraction of the period ``sheet_length + gap``, in [0, 1).
    layers : int
        Layers in the RVE (>= 1; 2 or more for a stagger to matter).
    width : sequence of float
        Empty for a 2D RVE; ``[L2]`` for a 3D cell of width L2 (nm) along x2.
    sheet_phase, coating_phase, interlayer_phase : str
        Phase names.

    Returns
    -------
    PeriodicGeometry
    """
    check_positive("sheet_length", sheet_length)
    check_positive("sheet_thickness", sheet_thickness)
    check_positive("interlayer_thickness", interlayer_thickness)
    if coating_thickness < 0:
        raise ValueError(f"coating_thickness={coating_thickness} nm is not allowed; must be >= 0")
    if gap != 0 and gap <= 2 * coating_thickness:
        raise ValueError(f"gap={gap} nm is not allowed; must be 0 (infinite sheets) or > 2 x coating_thickness "
                         f"= {2 * coating_thickness:g} nm so that the interlayer separates the coated sheet ends")
    if gap < 0:
        raise ValueError(f"gap={gap} nm is not allowed; must be >= 0")
    if not 0 <= stagger < 1:
        raise ValueError(f"stagger={stagger} is outside the allowed range [0, 1)")
    if not (isinstance(layers, int) and layers >= 1):
        raise ValueError(f"layers={layers!r} must be an integer >= 1")
    if len(width) > 1:
        raise ValueError(f"width={list(width)} must be empty (2D) or one length (3D)")
    period = sheet_length + gap
    layer_height = sheet_thickness + 2 * coating_thickness + interlayer_thickness
    box = Box((period, *width, layers * layer_height))
    stack = box.dim - 1
    shapes: list = []
    features = [ThinFeature(interlayer_phase, interlayer_thickness, "interlayer between coated sheets")]
    if coating_thickness > 0:
        features.append(ThinFeature(coating_phase, coating_thickness, "coating on the sheets"))
    if gap > 0:
        features.append(ThinFeature(interlayer_phase, gap - 2 * coating_thickness, "interlayer between sheet ends"))
    for k in range(layers):
        bottom = k * layer_height + interlayer_thickness / 2
        sheet_bottom = bottom + coating_thickness
        if gap == 0:
            if coating_thickness > 0:
                shapes.append(Slab(coating_phase, stack, bottom, bottom + 2 * coating_thickness + sheet_thickness, box))
            shapes.append(Slab(sheet_phase, stack, sheet_bottom, sheet_bottom + sheet_thickness, box))
            continue
        start = (k * stagger % 1.0) * period

        def corners(x0: float, x1: float, y0: float, y1: float) -> tuple[tuple[float, ...], tuple[float, ...]]:
            return (x0, *[0.0] * len(width), y0), (x1, *width, y1)

        if coating_thickness > 0:
            shapes.append(Block(coating_phase, *corners(start - coating_thickness, start + sheet_length + coating_thickness,
                                                        bottom, bottom + 2 * coating_thickness + sheet_thickness)))
        shapes.append(Block(sheet_phase, *corners(start, start + sheet_length, sheet_bottom, sheet_bottom + sheet_thickness)))
    return PeriodicGeometry(box=box, matrix_phase=interlayer_phase, shapes=tuple(shapes), thin_features=tuple(features))
