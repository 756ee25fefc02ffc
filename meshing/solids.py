"""Particle shapes with an orientation: ellipsoids (ellipses in 2D) and convex polyhedra.

Same interface as :mod:`meshing.shapes` (bounding box, thinnest dimension, volume, gmsh OCC
drawing). ``rotation`` turns the shape's own axes into the cell's axes;
``crystal_euler`` (optional) is the particle's crystal lattice orientation (Bunge, degrees).
Units: nm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial import ConvexHull
from scipy.spatial.transform import Rotation

from meshing.geometry import Box, check_positive

__all__ = ["Ellipsoid", "ConvexPolyhedron", "cube_vertices", "octahedron_vertices"]

DimTags = list[tuple[int, int]]


def _rotation(matrix: Any, dim: int) -> np.ndarray:
    R = np.eye(dim) if matrix is None else np.asarray(matrix, dtype=float)
    if R.shape != (dim, dim) or not np.allclose(R @ R.T, np.eye(dim), atol=1e-9) or np.linalg.det(R) < 0:
        raise ValueError(f"rotation must be a proper {dim}x{dim} rotation matrix")
    return R


@dataclass(frozen=True, eq=False)
class Ellipsoid:
    """An ellipsoid (3D) or ellipse (2D) with semi-axes along its own rotated axes.

    Parameters
    ----------
    phase : str
        Phase name.
    center : tuple of float
        Centre (nm), 2 or 3 coordinates.
    semi_axes : tuple of float
        Semi-axes (nm), one per dimension.
    rotation : array_like, optional
        Rotation matrix (dim x dim) from the ellipsoid's axes to the cell's; default identity.
    crystal_euler : tuple of 3 float, optional
        Bunge angles (degrees) of the particle's crystal lattice.
    """

    phase: str
    center: tuple[float, ...]
    semi_axes: tuple[float, ...]
    rotation: np.ndarray | None = field(default=None, repr=False)
    crystal_euler: tuple[float, float, float] | None = None

    def __post_init__(self) -> None:
        center = tuple(map(float, self.center))
        axes = tuple(map(float, self.semi_axes))
        if len(center) not in (2, 3) or len(axes) != len(center):
            raise ValueError(f"ellipsoid '{self.phase}': centre and semi-axes need 2 or 3 matching coordinates")
        for k, s in enumerate(axes):
            check_positive(f"semi_axes[{k}] of '{self.phase}'", s)
        object.__setattr__(self, "center", center)
        object.__setattr__(self, "semi_axes", axes)
        object.__setattr__(self, "rotation", _rotation(self.rotation, len(center)))

    def bounding_box(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        half = np.sqrt((self.rotation**2) @ np.array(self.semi_axes) ** 2)
        return tuple(np.array(self.center) - half), tuple(np.array(self.center) + half)

    def min_thickness(self) -> float:
        return 2 * min(self.semi_axes)

    def volume(self) -> float:
        product = math.prod(self.semi_axes)
        return math.pi * product if len(self.center) == 2 else 4 / 3 * math.pi * product

    def to_occ(self, occ: Any, box: Box) -> DimTags:
        if len(self.center) == 2:
            a, b = self.semi_axes
            dimtags = [(2, occ.addDisk(0.0, 0.0, 0.0, max(a, b), min(a, b)))]
            angle = math.atan2(self.rotation[1, 0], self.rotation[0, 0]) + (0.0 if a >= b else math.pi / 2)
            occ.rotate(dimtags, 0, 0, 0, 0, 0, 1, angle)
            occ.translate(dimtags, *self.center, 0.0)
            return dimtags
        a, b, c = self.semi_axes
        if abs(b - c) <= 1e-12 * a:
            dimtags = _spheroid(occ, gmsh_model_of(occ), a, b)
        else:
            # A general ellipsoid is a dilated sphere, a B-spline whose cuts by opposite cell faces
            # OCC does not reproduce exactly; spheroids (the particles amorfem makes) are exact.
            dimtags = [(3, occ.addSphere(0.0, 0.0, 0.0, 1.0))]
            occ.dilate(dimtags, 0, 0, 0, a, b, c)
        rotvec = Rotation.from_matrix(self.rotation).as_rotvec()
        angle = float(np.linalg.norm(rotvec))
        if angle > 1e-12:
            occ.rotate(dimtags, 0, 0, 0, *(rotvec / angle), angle)
        occ.translate(dimtags, *self.center)
        return dimtags


def gmsh_model_of(occ: Any) -> Any:
    """The gmsh model module that owns an OCC kernel module (to query entity boundaries)."""
    import gmsh

    return gmsh.model


def _spheroid(occ: Any, model: Any, a: float, b: float) -> DimTags:
    """A spheroid with semi-axis ``a`` along x and ``b`` across, as a solid of revolution.

    Revolving an analytic half-ellipse keeps the surface exact, so opposite cell faces cut an
    ellipsoid and its periodic image identically (a dilated sphere, a B-spline, does not).
    """
    arc = occ.addEllipse(0.0, 0.0, 0.0, a, b, angle1=0.0, angle2=math.pi) if a >= b else None
    if arc is None:  # oblate: the ellipse's major axis must be the first one for OCC
        arc = occ.addEllipse(0.0, 0.0, 0.0, b, a, angle1=-math.pi / 2, angle2=math.pi / 2)
        occ.rotate([(1, arc)], 0, 0, 0, 0, 0, 1, math.pi / 2)
    occ.synchronize()
    ends = [t for _, t in model.getBoundary([(1, arc)], oriented=False)]
    axis = occ.addLine(ends[-1], ends[0])
    surface = occ.addPlaneSurface([occ.addCurveLoop([arc, axis])])
    return [d for d in occ.revolve([(2, surface)], 0, 0, 0, 1, 0, 0, 2 * math.pi) if d[0] == 3]


def cube_vertices(edge: float) -> np.ndarray:
    """Vertices of a cube of ``edge`` (nm) centred at the origin."""
    return np.array([[x, y, z] for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)]) * edge


def octahedron_vertices(radius: float) -> np.ndarray:
    """Vertices of a regular octahedron with vertices ``radius`` (nm) from its centre."""
    return np.vstack([np.eye(3), -np.eye(3)]) * radius


@dataclass(frozen=True, eq=False)
class ConvexPolyhedron:
    """A convex polyhedron: the convex hull of ``vertices`` (local, nm), turned and moved.

    Parameters
    ----------
    phase : str
        Phase name.
    center : tuple of 3 float
        Where the local origin goes (nm).
    vertices : array_like, shape (n, 3)
        Vertices in the polyhedron's own frame (nm); their convex hull is the shape.
    rotation : array_like, optional
        Rotation (3x3) from the polyhedron's frame to the cell's.
    crystal_euler : tuple of 3 float, optional
        Bunge angles (degrees) of the particle's crystal lattice.
    """

    phase: str
    center: tuple[float, float, float]
    vertices: np.ndarray = field(repr=False)
    rotation: np.ndarray | None = field(default=None, repr=False)
    crystal_euler: tuple[float, float, float] | None = None

    def __post_init__(self) -> None:
        R = _rotation(self.rotation, 3)
        local = np.asarray(self.vertices, dtype=float)
        if local.ndim != 2 or local.shape[1] != 3 or local.shape[0] < 4:
            raise ValueError(f"polyhedron '{self.phase}' needs at least 4 vertices in 3D")
        object.__setattr__(self, "rotation", R)
        object.__setattr__(self, "center", tuple(map(float, self.center)))
        object.__setattr__(self, "vertices", local @ R.T + np.array(self.center))
        hull = ConvexHull(self.vertices)
        check_positive(f"volume of polyhedron '{self.phase}'", hull.volume)
        object.__setattr__(self, "_hull", hull)

    @property
    def halfspaces(self) -> np.ndarray:
        """``[n | d]`` rows with ``n . x + d <= 0`` inside (unique faces)."""
        return np.unique(np.round(self._hull.equations, 12), axis=0)

    def bounding_box(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        return tuple(self.vertices.min(axis=0)), tuple(self.vertices.max(axis=0))

    def min_thickness(self) -> float:
        return float(min(np.ptp(self.vertices @ n) for n in self.halfspaces[:, :3]))

    def volume(self) -> float:
        return float(self._hull.volume)

    def faces(self) -> list[np.ndarray]:
        """Face polygons (ordered vertex indices), coplanar hull triangles merged."""
        faces = []
        for plane in self.halfspaces:
            on = np.flatnonzero(np.abs(self.vertices @ plane[:3] + plane[3]) < 1e-9 * self.min_thickness())
            centre = self.vertices[on].mean(axis=0)
            u = self.vertices[on[0]] - centre
            u /= np.linalg.norm(u)
            v = np.cross(plane[:3], u)
            d = self.vertices[on] - centre
            faces.append(on[np.argsort(np.arctan2(d @ v, d @ u))])
        return faces

    def to_occ(self, occ: Any, box: Box) -> DimTags:
        points = [occ.addPoint(*p) for p in self.vertices]
        lines: dict[tuple[int, int], int] = {}
        surfaces = []
        for face in self.faces():
            loop = []
            for a, b in zip(face, np.roll(face, -1), strict=True):
                key = (min(a, b), max(a, b))
                if key not in lines:
                    lines[key] = occ.addLine(points[key[0]], points[key[1]])
                loop.append(lines[key] if a < b else -lines[key])
            surfaces.append(occ.addPlaneSurface([occ.addCurveLoop(loop)]))
        return [(3, occ.addVolume([occ.addSurfaceLoop(surfaces)]))]
