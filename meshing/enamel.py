"""Enamel-like composite: a periodic array of crystalline nanowires, each coated by an amorphous
interlayer, in a polymer matrix.

Wires run along x3 (or tilted by ``misalignment_deg`` about x2), in a square or hexagonal
array in the x1-x2 plane. A hydroxyapatite wire has its c axis along the wire: the library's
``hydroxyapatite`` has c along x3; for tilted wires give it ``euler_deg = [90, alpha, -90]``
(a rotation by alpha about x2). With ``coating_thickness = 0`` there is no coating phase, a
plain fibre composite. ``dim = 2`` gives the plane-strain cross-section (discs). Units: nm.
"""

from __future__ import annotations

import math

from meshing.geometry import Box, PeriodicGeometry, ThinFeature, check_positive, thin_ligament
from meshing.shapes import Ball, Cylinder

__all__ = ["enamel_geometry", "PACKINGS", "max_wire_fraction"]

PACKINGS = ("square", "hexagonal")

#: A tilted wire closes on itself after one lattice step; taller cells than this are refused.
MAX_HEIGHT_IN_SPACINGS = 50.0


def _cell(packing: str, spacing: float) -> tuple[tuple[float, float], list[tuple[float, float]]]:
    """In-plane cell lengths and wire centres of a packing with nearest-neighbour ``spacing``."""
    if packing == "square":
        return (spacing, spacing), [(spacing / 2, spacing / 2)]
    height = spacing * math.sqrt(3)
    return (spacing, height), [(spacing / 4, height / 4), (3 * spacing / 4, 3 * height / 4)]


def max_wire_fraction(packing: str, diameter: float, coating_thickness: float) -> float:
    """Largest wire volume fraction before coated wires touch (square pi/4, hexagonal pi/(2 sqrt 3), scaled)."""
    scale = (diameter / (diameter + 2 * coating_thickness)) ** 2
    return scale * (math.pi / 4 if packing == "square" else math.pi / (2 * math.sqrt(3)))


def enamel_geometry(
    wire_diameter: float,
    volume_fraction: float,
    coating_thickness: float = 0.0,
    packing: str = "hexagonal",
    length: float | None = None,
    misalignment_deg: float = 0.0,
    dim: int = 3,
    wire_phase: str = "wire",
    coating_phase: str = "coating",
    matrix_phase: str = "matrix",
) -> PeriodicGeometry:
    """Geometry of coated nanowires in a matrix.

    Parameters
    ----------
    wire_diameter : float
        Wire (crystal) diameter (nm).
    volume_fraction : float
        Volume fraction of the wires (crystal only, without the coating), in (0, f_max), where
        f_max is where coated wires would touch: see :func:`max_wire_fraction`.
    coating_thickness : float
        Thickness of the amorphous coating around each wire (nm), >= 0.
    packing : {"square", "hexagonal"}
        Wire array in the x1-x2 plane (hexagonal: 2 wires in an a x a sqrt(3) cell).
    length : float, optional
        Cell height along x3 (nm) for aligned wires; default the wire diameter (the result does
        not depend on it).
    misalignment_deg : float
        Tilt of every wire from x3 towards x1 (degrees, in [0, 45]); the cell height becomes
        the spacing / tan(alpha) so that the tilted wires are periodic.
    dim : {2, 3}
        3 for the wire array, 2 for its plane-strain cross-section.
    wire_phase, coating_phase, matrix_phase : str
        Phase names.

    Returns
    -------
    PeriodicGeometry
    """
    check_positive("wire_diameter", wire_diameter)
    if packing not in PACKINGS:
        raise ValueError(f"packing='{packing}' is not known; allowed: {', '.join(PACKINGS)}")
    if coating_thickness < 0:
        raise ValueError(f"coating_thickness={coating_thickness} nm is not allowed; must be >= 0")
    if dim not in (2, 3):
        raise ValueError(f"dim={dim} is not allowed; must be 2 or 3")
    if not 0 <= misalignment_deg <= 45:
        raise ValueError(f"misalignment_deg={misalignment_deg} is outside the allowed range [0, 45]")
    if dim == 2 and misalignment_deg:
        raise ValueError("misalignment_deg needs dim = 3 (a tilted wire is not a plane-strain cross-section)")
    alpha = math.radians(misalignment_deg)
    f_max = max_wire_fraction(packing, wire_diameter, coating_thickness) * math.cos(alpha) ** 2
    if not 0 < volume_fraction < f_max:
        raise ValueError(
            f"volume_fraction={volume_fraction} is outside (0, {f_max:.4f}): coated {packing} wires of diameter "
            f"{wire_diameter:g} nm with a {coating_thickness:g} nm coating would touch"
        )
    radius = wire_diameter / 2
    # Volume fraction = pi r^2 / (in-plane area per wire); the cross-section of a tilted wire in
    # a horizontal plane is pi r^2 / cos(alpha).
    area_per_wire = math.pi * radius**2 / math.cos(alpha) / volume_fraction
    spacing = math.sqrt(area_per_wire if packing == "square" else 2 * area_per_wire / math.sqrt(3))
    (a1, a2), centres = _cell(packing, spacing)
    if misalignment_deg:
        height = spacing / math.tan(alpha)
        if height > MAX_HEIGHT_IN_SPACINGS * spacing:
            raise ValueError(
                f"misalignment_deg={misalignment_deg} needs a cell {height / spacing:.0f} wire spacings tall; "
                f"the limit is {MAX_HEIGHT_IN_SPACINGS:g} (use 0 or at least "
                f"{math.degrees(math.atan(1 / MAX_HEIGHT_IN_SPACINGS)):.2f} degrees)"
            )
    else:
        height = wire_diameter if length is None else length
        check_positive("length", height)
    # Nearest neighbours lie a spacing apart along x1; tilting brings them closer by cos(alpha).
    ligament = spacing * math.cos(alpha) - 2 * (radius + coating_thickness)
    features = list(thin_ligament(matrix_phase, ligament, wire_diameter, "matrix between neighbouring wires"))
    if coating_thickness > 0:
        features.append(ThinFeature(coating_phase, coating_thickness, "coating around each wire"))
    shapes: list = []
    if dim == 2:
        box = Box((a1, a2))
        for x, y in centres:
            if coating_thickness > 0:
                shapes.append(Ball(coating_phase, (x, y), radius + coating_thickness))
            shapes.append(Ball(wire_phase, (x, y), radius))
        return PeriodicGeometry(box, matrix_phase, tuple(shapes), tuple(features))
    box = Box((a1, a2, height))
    # Each wire reaches 10 % beyond both faces it crosses; its periodic images close it.
    overshoot = 0.1 * height
    axis = (math.tan(alpha) * (height + 2 * overshoot), 0.0, height + 2 * overshoot)
    for x, y in centres:
        base = (x - math.tan(alpha) * overshoot, y, -overshoot)
        if coating_thickness > 0:
            shapes.append(Cylinder(coating_phase, base, axis, radius + coating_thickness))
        shapes.append(Cylinder(wire_phase, base, axis, radius))
    return PeriodicGeometry(box, matrix_phase, tuple(shapes), tuple(features))
