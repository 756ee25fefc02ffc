"""Pure descriptions of periodic RVE geometry: the box and the phase shapes placed in it.

Nothing here calls gmsh at import time; ``to_occ`` receives the gmsh OCC kernel to draw into.
Units: lengths in nm. The box spans ``[0, L_1] x [0, L_2] (x [0, L_3])``; 2D RVEs lie in the
x1-x2 plane (plane strain along x3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

__all__ = ["Box", "Shape", "ThinFeature", "PeriodicGeometry", "check_positive", "thin_ligament"]

DimTags = list[tuple[int, int]]


def check_positive(name: str, value: float) -> None:
    """Refuse a length that is not a positive finite number (nm), naming the parameter."""
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name}={value!r} is not allowed; must be a positive length in nm")


@dataclass(frozen=True)
class Box:
    """The periodic cell ``[0, L_1] x ... x [0, L_dim]``.

    Parameters
    ----------
    lengths : tuple of float
        Edge lengths (nm); 2 entries for a 2D (plane-strain) RVE, 3 for 3D.
    """

    lengths: tuple[float, ...]

    def __post_init__(self) -> None:
        lengths = tuple(float(v) for v in self.lengths)
        if len(lengths) not in (2, 3):
            raise ValueError(f"box lengths {list(lengths)} must have 2 (2D) or 3 (3D) entries")
        for axis, value in enumerate(lengths):
            check_positive(f"box[{axis}]", value)
        object.__setattr__(self, "lengths", lengths)

    @property
    def dim(self) -> int:
        """Spatial dimension (2 or 3)."""
        return len(self.lengths)

    @property
    def volume(self) -> float:
        """Volume (nm^3) in 3D, area (nm^2) in 2D."""
        return math.prod(self.lengths)


class Shape(Protocol):
    """A phase shape that the periodic layer can place, wrap and mesh."""

    phase: str

    def bounding_box(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """Lower and upper corners (nm)."""

    def min_thickness(self) -> float:
        """Thinnest dimension of the shape (nm); the mesh must put 2 elements across it."""

    def volume(self) -> float:
        """Exact volume (nm^3; area in 2D)."""

    def to_occ(self, occ: Any, box: Box) -> DimTags:
        """Draw the shape with the gmsh OCC kernel ``occ``; return its entities."""


@dataclass(frozen=True)
class ThinFeature:
    """A thin part of a phase that the mesh must resolve (2 elements through its thickness).

    Shapes report their own thinnest dimension; a thin feature declares one that no single
    shape shows, such as a coating (the gap between two cylinders) or an interlayer (the
    matrix between tablets).

    Parameters
    ----------
    phase : str
        Phase the feature belongs to.
    thickness : float
        Its thickness (nm).
    name : str
        What it is, for error messages ("interlayer between tablet rows").
    """

    phase: str
    thickness: float
    name: str

    def __post_init__(self) -> None:
        check_positive(f"thickness of the {self.name}", self.thickness)


def thin_ligament(phase: str, ligament: float, neighbour_size: float, name: str) -> tuple[ThinFeature, ...]:
    """A ligament of ``phase`` between two features, declared thin when it is thinner than a quarter
    of the features' size (a dense packing), so the mesh must resolve it; otherwise nothing."""
    return (ThinFeature(phase, ligament, name),) if ligament < neighbour_size / 4 else ()


@dataclass(frozen=True)
class PeriodicGeometry:
    """A periodic cell filled with a matrix phase and shapes painted over it in order.

    Where shapes overlap, the later one wins (a core listed after its shell stays the core).

    Parameters
    ----------
    box : Box
        The periodic cell.
    matrix_phase : str or None
        Phase of the space no shape covers; None when the shapes fill the box (laminates).
    shapes : tuple of Shape
        Phase shapes in painting order.
    thin_features : tuple of ThinFeature
        Thin parts the mesh must resolve beyond the shapes' own thinnest dimensions.
    """

    box: Box
    matrix_phase: str | None
    shapes: tuple[Any, ...] = field(default_factory=tuple)
    thin_features: tuple[ThinFeature, ...] = field(default_factory=tuple)

    #: What this geometry builds (see :func:`meshing.body_kind`).
    body_kind: ClassVar[str] = "rve"

    def __post_init__(self) -> None:
        object.__setattr__(self, "shapes", tuple(self.shapes))
        object.__setattr__(self, "thin_features", tuple(self.thin_features))
        if self.matrix_phase is None and not self.shapes:
            raise ValueError("a periodic geometry needs a matrix phase or at least one shape")
        for shape in self.shapes:
            dims = len(shape.bounding_box()[0])
            if dims != self.box.dim:
                raise ValueError(f"shape of phase '{shape.phase}' is {dims}D but the box is {self.box.dim}D")
        for feature in self.thin_features:
            if feature.phase not in self.phase_names:
                raise ValueError(f"thin feature '{feature.name}' names phase '{feature.phase}', which is not in the geometry")

    @property
    def phase_names(self) -> tuple[str, ...]:
        """Phase names in order of first appearance (matrix first)."""
        names = [] if self.matrix_phase is None else [self.matrix_phase]
        for shape in self.shapes:
            if shape.phase not in names:
                names.append(shape.phase)
        return tuple(names)
