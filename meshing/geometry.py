"""Pure descriptions of periodic RVE geometry: the box and the phase shapes placed in it.

Nothing here calls gmsh at import time; ``to_occ`` receives the gmsh OCC kernel to draw into.
Units: lengths in nm. The box spans ``[0, L_1] x [0, L_2] (x [0, L_3])``; 2D RVEs lie in the
x1-x2 plane (plane strain along x3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["Box", "Shape", "Slab", "Ball", "PeriodicGeometry"]

DimTags = list[tuple[int, int]]


def _check_positive(name: str, value: float) -> None:
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
            _check_positive(f"box[{axis}]", value)
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
class Slab:
    """A layer ``lower <= x_axis <= upper`` spanning the box in the other directions.

    Parameters
    ----------
    phase : str
        Phase name.
    axis : int
        Normal axis (0, 1 or 2).
    lower, upper : float
        Position of the faces along ``axis`` (nm), ``lower < upper``.
    box : Box
        The cell it spans.
    """

    phase: str
    axis: int
    lower: float
    upper: float
    box: Box

    def __post_init__(self) -> None:
        if self.axis not in range(self.box.dim):
            raise ValueError(f"layer axis={self.axis} is outside 0..{self.box.dim - 1}")
        _check_positive(f"thickness of layer '{self.phase}'", self.upper - self.lower)

    def bounding_box(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        lo = [0.0] * self.box.dim
        hi = list(self.box.lengths)
        lo[self.axis], hi[self.axis] = self.lower, self.upper
        return tuple(lo), tuple(hi)

    def min_thickness(self) -> float:
        return self.upper - self.lower

    def volume(self) -> float:
        return self.box.volume / self.box.lengths[self.axis] * (self.upper - self.lower)

    def to_occ(self, occ: Any, box: Box) -> DimTags:
        lo, hi = self.bounding_box()
        size = [h - low for low, h in zip(lo, hi, strict=True)]
        if box.dim == 2:
            return [(2, occ.addRectangle(lo[0], lo[1], 0.0, size[0], size[1]))]
        return [(3, occ.addBox(*lo, *size))]


@dataclass(frozen=True)
class Ball:
    """A sphere (3D) or disc (2D).

    Parameters
    ----------
    phase : str
        Phase name.
    center : tuple of float
        Centre (nm), 2 or 3 coordinates; it may lie anywhere, the shape is wrapped
        periodically where it crosses the box.
    radius : float
        Radius (nm), > 0.
    """

    phase: str
    center: tuple[float, ...]
    radius: float

    def __post_init__(self) -> None:
        _check_positive(f"radius of '{self.phase}'", self.radius)
        object.__setattr__(self, "center", tuple(float(c) for c in self.center))

    def bounding_box(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        return (tuple(c - self.radius for c in self.center), tuple(c + self.radius for c in self.center))

    def min_thickness(self) -> float:
        return 2 * self.radius

    def volume(self) -> float:
        if len(self.center) == 2:
            return math.pi * self.radius**2
        return 4 / 3 * math.pi * self.radius**3

    def to_occ(self, occ: Any, box: Box) -> DimTags:
        if len(self.center) == 2:
            return [(2, occ.addDisk(*self.center, 0.0, self.radius, self.radius))]
        return [(3, occ.addSphere(*self.center, self.radius))]


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
    """

    box: Box
    matrix_phase: str | None
    shapes: tuple[Any, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "shapes", tuple(self.shapes))
        if self.matrix_phase is None and not self.shapes:
            raise ValueError("a periodic geometry needs a matrix phase or at least one shape")
        for shape in self.shapes:
            dims = len(shape.bounding_box()[0])
            if dims != self.box.dim:
                raise ValueError(f"shape of phase '{shape.phase}' is {dims}D but the box is {self.box.dim}D")

    @property
    def phase_names(self) -> tuple[str, ...]:
        """Phase names in order of first appearance (matrix first)."""
        names = [] if self.matrix_phase is None else [self.matrix_phase]
        for shape in self.shapes:
            if shape.phase not in names:
                names.append(shape.phase)
        return tuple(names)
