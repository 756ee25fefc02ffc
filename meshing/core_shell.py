"""Core-shell particles: a crystalline core wrapped in amorphous shells (or the inverse), also
hollow and multi-shell particles, randomly packed in a matrix.

The particles are placed exactly like :func:`meshing.particles.particles_geometry` particles of
the outer size (same seed, same positions and orientations); each is then drawn from the
outside in as nested copies inset by the shell thickness, the phases alternating shell, core,
shell, ... Spheres and cubes/octahedra (and their 2D forms) get shells of exactly the given
thickness (regular polytopes are inset by shrinking them about their centre); a spheroid's
inner surface is the spheroid with every semi-axis reduced by the thickness, so its shell is
exactly that thick at the poles and the equator and a little thinner in between (the thinnest
point is found numerically and is what the mesh must resolve). With ``shell_thickness = 0`` the
geometry is the plain particle geometry. ``hollow`` fills the innermost region with the matrix
(a closed pore filled with matrix material). Units: nm.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import minimize

from meshing.geometry import PeriodicGeometry, ThinFeature
from meshing.particles import particles_geometry
from meshing.shapes import Ball, Prism
from meshing.solids import ConvexPolyhedron, Ellipsoid

__all__ = ["core_shell_geometry", "inset", "inradius"]

MAX_SHELLS = 6


def inradius(shape: Ball | Ellipsoid | ConvexPolyhedron | Prism) -> float:
    """Largest inset depth (nm) the particle allows: radius, smallest semi-axis, or the distance
    from the centre to the nearest face (polytopes, about their vertex centroid)."""
    if isinstance(shape, Ball):
        return shape.radius
    if isinstance(shape, Ellipsoid):
        return min(shape.semi_axes)
    if isinstance(shape, ConvexPolyhedron):
        planes = shape.halfspaces
        return float(-(planes[:, :3] @ np.array(shape.center) + planes[:, 3]).max())
    corners = np.array(shape.vertices)
    centre = corners.mean(axis=0)
    edges = np.roll(corners, -1, axis=0) - corners
    normals = np.column_stack([edges[:, 1], -edges[:, 0]]) / np.linalg.norm(edges, axis=1)[:, None]
    return float(np.min(np.einsum("ij,ij->i", corners - centre, normals)))


def inset(shape: Ball | Ellipsoid | ConvexPolyhedron | Prism, depth: float, phase: str):
    """The particle moved inward by ``depth`` (nm), as a shape of ``phase`` with the same lattice.

    Spheres shrink their radius, spheroids every semi-axis, regular polytopes (cubes,
    octahedra, squares) scale about their centre so every face moves in by ``depth``.
    """
    if isinstance(shape, Ball):
        return Ball(phase, shape.center, shape.radius - depth, crystal_euler=shape.crystal_euler)
    if isinstance(shape, Ellipsoid):
        return Ellipsoid(phase, shape.center, tuple(a - depth for a in shape.semi_axes), shape.rotation,
                         crystal_euler=shape.crystal_euler)
    factor = 1 - depth / inradius(shape)
    if isinstance(shape, ConvexPolyhedron):
        local = (shape.vertices - np.array(shape.center)) @ shape.rotation
        return ConvexPolyhedron(phase, shape.center, factor * local, shape.rotation, crystal_euler=shape.crystal_euler)
    corners = np.array(shape.vertices)
    centre = corners.mean(axis=0)
    return Prism(phase, tuple(map(tuple, centre + factor * (corners - centre))), crystal_euler=shape.crystal_euler)


def spheroid_shell_thickness(semi_axes: Sequence[float], depth: float) -> float:
    """Thinnest distance (nm) between an ellipsoid and the one with every semi-axis reduced by ``depth``.

    For a spheroid it is the thinnest distance between the two meridian ellipses: a coarse grid
    of point pairs (inner ellipse, outer ellipse) brackets it, a simplex search refines it.
    """
    a, b = max(semi_axes), min(semi_axes)
    if a - b <= 1e-12 * a:
        return depth

    def points(angles: np.ndarray, shrink: float) -> np.ndarray:
        return np.stack([(a - shrink) * np.cos(angles), (b - shrink) * np.sin(angles)], axis=-1)

    def distance(angles: np.ndarray) -> float:
        return float(np.linalg.norm(points(angles[0], depth) - points(angles[1], 0.0)))

    grid = np.linspace(0.0, np.pi / 2, 201)
    pairs = np.linalg.norm(points(grid, depth)[:, None, :] - points(grid, 0.0)[None, :, :], axis=2)
    i, j = np.unravel_index(np.argmin(pairs), pairs.shape)
    best = minimize(distance, [grid[i], grid[j]], method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-15})
    return min(depth, float(best.fun))


def core_shell_geometry(
    count: int,
    volume_fraction: float,
    box: Sequence[float],
    shell_thickness: float,
    shells: int = 1,
    hollow: bool = False,
    size_distribution: str = "monodisperse",
    size_spread: float = 0.2,
    gap: float | None = None,
    lattice: str = "aligned",
    seed: int = 0,
    shape: str = "sphere",
    aspect_ratio: float = 1.0,
    orientation: str = "random",
    core_phase: str = "core",
    shell_phase: str = "shell",
    matrix_phase: str = "matrix",
) -> PeriodicGeometry:
    """Geometry of core-shell (or multi-shell, hollow) particles in a matrix.

    Parameters
    ----------
    count, volume_fraction, box, size_distribution, size_spread, gap, lattice, seed, shape, aspect_ratio, orientation
        As :func:`meshing.particles.particles_geometry` (spheres, spheroids, cubes, octahedra);
        ``volume_fraction`` counts whole particles (cores and shells).
    shell_thickness : float
        Thickness of every shell (nm), >= 0.
    shells : int
        Number of shells (1 to 6); the phases alternate shell, core, shell, ... from the
        outside in, and the core takes the phase after the last shell.
    hollow : bool
        The innermost region is matrix instead of the next phase.
    core_phase, shell_phase, matrix_phase : str
        Phase names (a crystalline core in an amorphous shell, or the inverse).

    Returns
    -------
    PeriodicGeometry
    """
    if shell_thickness < 0:
        raise ValueError(f"shell_thickness={shell_thickness} nm is not allowed; must be >= 0")
    if not (isinstance(shells, int) and 1 <= shells <= MAX_SHELLS):
        raise ValueError(f"shells={shells!r} is outside the allowed range 1..{MAX_SHELLS}")
    if len({core_phase, shell_phase, matrix_phase}) < 3:
        raise ValueError("core_phase, shell_phase and matrix_phase must be three different names")
    plain = particles_geometry(count, volume_fraction, box, shape=shape, aspect_ratio=aspect_ratio,
                               orientation=orientation, size_distribution=size_distribution, size_spread=size_spread,
                               gap=gap, lattice=lattice, seed=seed, particle_phase=core_phase, matrix_phase=matrix_phase)
    if shell_thickness == 0:
        return plain
    smallest = min(inradius(particle) for particle in plain.shapes)
    if shells * shell_thickness >= smallest:
        raise ValueError(f"{shells} shell(s) of {shell_thickness:g} nm do not fit in the smallest particle "
                         f"(inradius {smallest:.4g} nm); thin the shells or enlarge the particles")
    phases = [shell_phase if k % 2 == 0 else core_phase for k in range(shells + 1)]
    if hollow:
        phases[-1] = matrix_phase
    shapes = [inset(particle, k * shell_thickness, phase) for particle in plain.shapes for k, phase in enumerate(phases)]
    features = []
    for k, phase in enumerate(phases[:-1]):
        thickness = shell_thickness
        if shape == "ellipsoid":  # thinner than t between poles and equator; one search per distinct size
            sizes = {tuple(a - k * shell_thickness for a in p.semi_axes) for p in plain.shapes}
            thickness = min(spheroid_shell_thickness(axes, shell_thickness) for axes in sizes)
        features.append(ThinFeature(phase, thickness, f"shell {k + 1} of each particle"))
    return PeriodicGeometry(plain.box, matrix_phase, tuple(shapes), tuple(features))
