"""Phase shapes for periodic RVEs: layers, blocks, balls, cylinders and polygonal prisms.

Each shape knows its bounding box (for periodic wrapping), its thinnest dimension (for the mesh
resolution check), its exact volume, and how to draw itself with the gmsh OCC kernel (passed
in; nothing here imports gmsh). A shape made of a crystal may carry ``crystal_euler``: the Bunge
angles (degrees) of its own crystal lattice, which every cell meshed in its regions takes. Units: nm. 2D shapes lie in the x1-x2 plane.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from meshing.geometry import Box, check_positive

__all__ = ["Slab", "Block", "Ball", "Cylinder", "Prism"]

DimTags = list[tuple[int, int]]


def _segment_distance(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> float:
    """Distance between the segments ab and cd in the plane (they do not cross in a simple polygon)."""

    def point_to_segment(p, s, e):
        t = np.clip(np.dot(p - s, e - s) / np.dot(e - s, e - s), 0.0, 1.0)
        return float(np.linalg.norm(p - (s + t * (e - s))))

    return min(point_to_segment(a, c, d), point_to_segment(b, c, d), point_to_segment(c, a, b), point_to_segment(d, a, b))


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
        check_positive(f"thickness of layer '{self.phase}'", self.upper - self.lower)

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


#: Directions tried for the poles of a sphere's parametrisation: axes, face and body diagonals.
_POLE_CANDIDATES = [np.array(v, dtype=float) / np.linalg.norm(v) for v in
                    [(0, 0, 1), (1, 0, 0), (0, 1, 0), (1, 1, 0), (1, -1, 0), (1, 0, 1), (1, 0, -1),
                     (0, 1, 1), (0, 1, -1), (1, 1, 1), (1, 1, -1), (1, -1, 1), (-1, 1, 1)]]


def pole_axis(center: tuple[float, ...], radius: float, box: Box) -> np.ndarray:
    """Direction of the poles of a sphere's CAD parametrisation that keeps them far from every
    cell face plane.

    OCC parametrises a sphere by latitude and longitude; a cell face passing close to a pole
    gives a trimmed patch that gmsh meshes with facets crossing the neighbouring face
    (measured: concentric balls whose centre lies ~1 nm from a face fail with "overlapping
    facets"). The poles ``center +- radius * axis`` are placed as far as possible, in periodic
    distance, from the planes ``x_a = 0`` (= ``L_a``).

    Parameters
    ----------
    center : tuple of 3 float
        Sphere centre (nm).
    radius : float
        Sphere radius (nm).
    box : Box
        The periodic cell (nm).

    Returns
    -------
    numpy.ndarray
        Unit vector; the z axis when that is as good as any.
    """
    lengths = np.array(box.lengths, dtype=float)

    def clearance(direction: np.ndarray) -> float:
        poles = np.array(center) + radius * np.array([direction, -direction])
        offset = np.mod(poles, lengths)
        return float(np.minimum(offset, lengths - offset).min())

    scores = [clearance(d) for d in _POLE_CANDIDATES]
    return _POLE_CANDIDATES[int(np.argmax(scores))]


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
    crystal_euler : tuple of 3 float, optional
        Bunge angles (degrees) of this particle's crystal lattice.
    """

    phase: str
    center: tuple[float, ...]
    radius: float
    crystal_euler: tuple[float, float, float] | None = None

    def __post_init__(self) -> None:
        check_positive(f"radius of '{self.phase}'", self.radius)
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
        dimtags = [(3, occ.addSphere(0.0, 0.0, 0.0, self.radius))]
        axis = pole_axis(self.center, self.radius, box)
        tilt = math.acos(max(-1.0, min(1.0, axis[2])))
        if tilt > 1e-12:
            turn = np.cross((0.0, 0.0, 1.0), axis)
            turn = turn / np.linalg.norm(turn) if np.linalg.norm(turn) > 1e-12 else np.array((1.0, 0.0, 0.0))
            occ.rotate(dimtags, 0.0, 0.0, 0.0, *turn, tilt)
        occ.translate(dimtags, *self.center)
        return dimtags


@dataclass(frozen=True)
class Block:
    """An axis-aligned box (3D) or rectangle (2D), wrapped periodically where it crosses the cell.

    Parameters
    ----------
    phase : str
        Phase name.
    lower, upper : tuple of float
        Opposite corners (nm), ``lower < upper`` componentwise.
    crystal_euler : tuple of 3 float, optional
        Bunge angles (degrees) of this block's crystal lattice.
    """

    phase: str
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    crystal_euler: tuple[float, float, float] | None = None

    def __post_init__(self) -> None:
        lower, upper = tuple(map(float, self.lower)), tuple(map(float, self.upper))
        if len(lower) != len(upper) or len(lower) not in (2, 3):
            raise ValueError(f"block of '{self.phase}': corners {lower}, {upper} must both have 2 or 3 coordinates")
        for axis, (a, b) in enumerate(zip(lower, upper, strict=True)):
            check_positive(f"size of block '{self.phase}' along x{axis + 1}", b - a)
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)

    def bounding_box(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        return self.lower, self.upper

    def min_thickness(self) -> float:
        return min(b - a for a, b in zip(self.lower, self.upper, strict=True))

    def volume(self) -> float:
        return math.prod(b - a for a, b in zip(self.lower, self.upper, strict=True))

    def to_occ(self, occ: Any, box: Box) -> DimTags:
        size = [b - a for a, b in zip(self.lower, self.upper, strict=True)]
        if len(size) == 2:
            return [(2, occ.addRectangle(*self.lower, 0.0, *size))]
        return [(3, occ.addBox(*self.lower, *size))]


@dataclass(frozen=True)
class Cylinder:
    """A circular cylinder (3D) from ``base`` along ``axis``; ``|axis|`` is its length.

    A fibre that runs through the cell should reach beyond both faces it crosses: the parts
    outside are cut off and its periodic images fill in, so the fibre is continuous.

    Parameters
    ----------
    phase : str
        Phase name.
    base : tuple of 3 float
        Centre of the base disc (nm).
    axis : tuple of 3 float
        Axis vector (nm).
    radius : float
        Radius (nm).
    """

    phase: str
    base: tuple[float, float, float]
    axis: tuple[float, float, float]
    radius: float

    def __post_init__(self) -> None:
        check_positive(f"radius of cylinder '{self.phase}'", self.radius)
        object.__setattr__(self, "base", tuple(map(float, self.base)))
        object.__setattr__(self, "axis", tuple(map(float, self.axis)))
        if len(self.base) != 3 or len(self.axis) != 3:
            raise ValueError(f"cylinder '{self.phase}': base and axis need 3 coordinates")
        check_positive(f"length of cylinder '{self.phase}'", float(np.linalg.norm(self.axis)))

    def bounding_box(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        ends = np.array([self.base, np.add(self.base, self.axis)])
        return tuple(ends.min(axis=0) - self.radius), tuple(ends.max(axis=0) + self.radius)

    def min_thickness(self) -> float:
        return 2 * self.radius

    def volume(self) -> float:
        return math.pi * self.radius**2 * float(np.linalg.norm(self.axis))

    def to_occ(self, occ: Any, box: Box) -> DimTags:
        return [(3, occ.addCylinder(*self.base, *self.axis, self.radius))]


@dataclass(frozen=True)
class Prism:
    """A convex polygon in the x1-x2 plane (2D), or that polygon extruded along x3 (3D).

    Parameters
    ----------
    phase : str
        Phase name.
    vertices : tuple of (x1, x2) pairs
        Polygon corners (nm), counter-clockwise, convex.
    lower, upper : float, optional
        Extent along x3 (nm) of the 3D prism; omit both for a 2D polygon.
    crystal_euler : tuple of 3 float, optional
        Bunge angles (degrees) of this prism's crystal lattice (a grain, a tablet).
    """

    phase: str
    vertices: tuple[tuple[float, float], ...]
    lower: float | None = None
    upper: float | None = None
    crystal_euler: tuple[float, float, float] | None = None

    def __post_init__(self) -> None:
        vertices = tuple((float(x), float(y)) for x, y in self.vertices)
        object.__setattr__(self, "vertices", vertices)
        if len(vertices) < 3:
            raise ValueError(f"prism '{self.phase}' needs at least 3 vertices, got {len(vertices)}")
        if (self.lower is None) != (self.upper is None):
            raise ValueError(f"prism '{self.phase}': give both lower and upper (3D) or neither (2D)")
        if self.lower is not None:
            check_positive(f"height of prism '{self.phase}'", self.upper - self.lower)
        check_positive(f"area of prism '{self.phase}' (vertices counter-clockwise)", self.area())

    def area(self) -> float:
        """Polygon area (nm^2), positive for counter-clockwise vertices (shoelace formula)."""
        p = np.array(self.vertices)
        return 0.5 * float(np.sum(p[:, 0] * np.roll(p[:, 1], -1) - np.roll(p[:, 0], -1) * p[:, 1]))

    def bounding_box(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        p = np.array(self.vertices)
        lo, hi = tuple(p.min(axis=0)), tuple(p.max(axis=0))
        if self.lower is None:
            return lo, hi
        return (*lo, self.lower), (*hi, self.upper)

    def min_thickness(self) -> float:
        """Thinnest part of the polygon (:meth:`width`), and its height in 3D."""
        return self.width() if self.lower is None else min(self.width(), self.upper - self.lower)

    def width(self) -> float:
        """Thinnest part of the polygon (nm).

        Convex: the smallest width over the edge directions. Not convex (e.g. a dovetail
        tablet): the smallest distance between two edges that share no vertex.
        """
        p = np.array(self.vertices)
        edges = list(zip(p, np.roll(p, -1, axis=0), strict=True))
        turns = [(b - a)[0] * (c - b)[1] - (b - a)[1] * (c - b)[0]
                 for (a, b), (_, c) in zip(edges, edges[1:] + edges[:1], strict=True)]
        if min(turns) >= 0:
            widths = [np.ptp(p @ (np.array([b[1] - a[1], a[0] - b[0]]) / np.linalg.norm(b - a))) for a, b in edges]
        else:
            n = len(edges)
            widths = [_segment_distance(*edges[i], *edges[j]) for i in range(n) for j in range(i + 2, n)
                      if not (i == 0 and j == n - 1)]
        return float(min(widths))

    def volume(self) -> float:
        return self.area() * (1.0 if self.lower is None else self.upper - self.lower)

    def to_occ(self, occ: Any, box: Box) -> DimTags:
        z = 0.0 if self.lower is None else self.lower
        points = [occ.addPoint(x, y, z) for x, y in self.vertices]
        lines = [occ.addLine(a, b) for a, b in zip(points, points[1:] + points[:1], strict=True)]
        surface = occ.addPlaneSurface([occ.addCurveLoop(lines)])
        if self.lower is None:
            return [(2, surface)]
        return [d for d in occ.extrude([(2, surface)], 0.0, 0.0, self.upper - self.lower) if d[0] == 3]
