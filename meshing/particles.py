"""Random particles in a matrix: crystalline particles in an amorphous matrix, or the reverse.

Shapes: spheres (discs in 2D), ellipsoids (ellipses) of a given aspect ratio, cubes (squares)
and octahedra (3D), aligned or randomly oriented; monodisperse or lognormal sizes; a minimum
gap between particles and to their periodic images; a target volume fraction that the particle
sizes are scaled to exactly (RSA, then collective rearrangement for spheres or Monte Carlo
compression for the other shapes; about 0.45 is reachable for all of them). Particles crossing the box are wrapped periodically. With
``lattice = "random"`` every particle gets its own random crystal orientation (for an
anisotropic particle material). Deterministic for a seed. Units: nm.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.spatial.transform import Rotation

from meshing.geometry import Box, PeriodicGeometry, check_positive
from meshing.packing import Candidate, pack
from meshing.shapes import Ball, Prism
from meshing.solids import ConvexPolyhedron, Ellipsoid, cube_vertices, octahedron_vertices

__all__ = ["particles_geometry", "SHAPES", "lattice_from_rotation", "particle_sizes", "random_lattice"]

SHAPES = ("sphere", "ellipsoid", "cube", "octahedron")
ORIENTATIONS = ("aligned", "random")
DISTRIBUTIONS = ("monodisperse", "lognormal")
LATTICES = ("aligned", "random", "shape")
#: Densest packing fraction of equal spheres (fcc, pi / sqrt 18) and of equal discs (pi / sqrt 12).
DENSEST_EQUAL_SPHERES = {3: math.pi / math.sqrt(18), 2: math.pi / math.sqrt(12)}


def particle_sizes(count: int, total: float, distribution: str, spread: float, rng: np.random.Generator) -> np.ndarray:
    """Particle volumes (nm^3; areas in 2D) adding up to ``total``: equal, or with lognormal radii (log-std ``spread``)."""
    if distribution == "monodisperse":
        return np.full(count, total / count)
    weights = np.exp(3 * spread * rng.standard_normal(count))  # volume ~ radius^3
    return total * weights / weights.sum()


def random_lattice(count: int, dim: int, rng: np.random.Generator) -> list[tuple[float, float, float]]:
    """Uniformly random crystal orientations (Bunge angles, degrees); in 2D a random turn about x3."""
    if dim == 2:
        return [(float(a), 0.0, 0.0) for a in rng.uniform(0, 360, count)]
    rotations = Rotation.random(count, random_state=rng)
    return [tuple(map(float, e)) for e in rotations.as_euler("ZXZ", degrees=True)]


def lattice_from_rotation(rotation: np.ndarray) -> tuple[float, float, float]:
    """Bunge angles (degrees) of the lattice whose axes are the particle's own axes (``rotation``:
    particle frame to cell, 2x2 in 2D as a turn about x3)."""
    if rotation.shape == (2, 2):
        return (math.degrees(math.atan2(rotation[1, 0], rotation[0, 0])) % 360.0, 0.0, 0.0)
    return tuple(map(float, Rotation.from_matrix(rotation).as_euler("ZXZ", degrees=True)))


def _candidate(shape: str, volume: float, aspect: float, dim: int) -> Candidate:
    if shape == "sphere":
        r = math.sqrt(volume / math.pi) if dim == 2 else (3 * volume / (4 * math.pi)) ** (1 / 3)
        return Candidate("sphere", r, r)
    if shape == "ellipsoid":
        b = math.sqrt(volume / (math.pi * aspect)) if dim == 2 else (3 * volume / (4 * math.pi * aspect)) ** (1 / 3)
        axes = np.array([aspect * b] + [b] * (dim - 1))
        return Candidate("ellipsoid", float(axes.max()), float(axes.min()), semi_axes=axes)
    if shape == "cube":
        edge = volume ** (1 / dim)
        vertices = cube_vertices(edge) if dim == 3 else np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * edge / 2
        return Candidate("polytope", float(np.linalg.norm(vertices, axis=1).max()), edge / 2, vertices=vertices)
    radius = (3 * volume / 4) ** (1 / 3)
    return Candidate("polytope", radius, radius / math.sqrt(3), vertices=octahedron_vertices(radius))


def _shape(c: Candidate, phase: str, dim: int, lattice: tuple[float, float, float] | None):
    if c.kind == "sphere":
        return Ball(phase, tuple(c.center), c.radius, crystal_euler=lattice)
    if c.kind == "ellipsoid":
        return Ellipsoid(phase, tuple(c.center), tuple(c.semi_axes), c.rotation, crystal_euler=lattice)
    if dim == 2:
        corners = c.vertices @ c.rotation.T + c.center
        return Prism(phase, tuple(map(tuple, corners)), crystal_euler=lattice)
    return ConvexPolyhedron(phase, tuple(c.center), c.vertices, c.rotation, crystal_euler=lattice)


def particles_geometry(
    count: int,
    volume_fraction: float,
    box: Sequence[float],
    shape: str = "sphere",
    aspect_ratio: float = 1.0,
    orientation: str = "random",
    size_distribution: str = "monodisperse",
    size_spread: float = 0.2,
    gap: float | None = None,
    lattice: str = "aligned",
    seed: int = 0,
    particle_phase: str = "particle",
    matrix_phase: str = "matrix",
) -> PeriodicGeometry:
    """Geometry of randomly placed particles in a matrix.

    Parameters
    ----------
    count : int
        Number of particles (>= 1).
    volume_fraction : float
        Target particle volume fraction, in (0, 1); met exactly when the packing succeeds.
    box : sequence of float
        Box lengths (nm), 2 (2D) or 3 entries.
    shape : {"sphere", "ellipsoid", "cube", "octahedron"}
        Particle shape (2D: disc, ellipse, square; no octahedra).
    aspect_ratio : float
        Ellipsoid long semi-axis over short semi-axes (> 0; < 1 gives oblate particles).
    orientation : {"random", "aligned"}
        Shape orientation of non-spherical particles ("aligned": long axis / faces along x1).
    size_distribution : {"monodisperse", "lognormal"}
        Particle sizes.
    size_spread : float
        Standard deviation of log(radius) for lognormal sizes (0 to 1).
    gap : float, optional
        Minimum distance between particles and to periodic images (nm); default 5 % of the
        mean volume-equivalent particle diameter.
    lattice : {"aligned", "random", "shape"}
        Crystal lattice orientation of the particles: all as the material is given, one random
        orientation per particle (each particle its own crystal), or the particle's own shape
        axes (faceted crystals: cube faces are {100} planes, a spheroid's long axis is x1 of the
        crystal); "shape" needs non-spherical particles.
    seed : int
        Random seed (the geometry is deterministic for a seed).
    particle_phase, matrix_phase : str
        Phase names (crystalline particles in an amorphous matrix, or the reverse).

    Returns
    -------
    PeriodicGeometry

    Raises
    ------
    ValueError
        For impossible input; :class:`meshing.packing.JammingError` (a ValueError) when the
        particles cannot be placed, stating the fraction reached.
    """
    cell = Box(tuple(box))
    dim = cell.dim
    if not (isinstance(count, int) and count >= 1):
        raise ValueError(f"count={count!r} must be an integer >= 1")
    if not 0 < volume_fraction < 1:
        raise ValueError(f"volume_fraction={volume_fraction} is outside the allowed range (0, 1)")
    for name, value, allowed in (("shape", shape, SHAPES), ("orientation", orientation, ORIENTATIONS),
                                 ("size_distribution", size_distribution, DISTRIBUTIONS), ("lattice", lattice, LATTICES)):
        if value not in allowed:
            raise ValueError(f"{name}='{value}' is not known; allowed: {', '.join(allowed)}")
    if lattice == "shape" and shape == "sphere":
        raise ValueError("lattice='shape' needs non-spherical particles (a sphere has no axes); "
                         "use lattice='random' or 'aligned'")
    if shape == "octahedron" and dim == 2:
        raise ValueError("shape='octahedron' needs a 3D box")
    check_positive("aspect_ratio", aspect_ratio)
    if not 0 <= size_spread <= 1:
        raise ValueError(f"size_spread={size_spread} is outside the allowed range [0, 1]")
    if particle_phase == matrix_phase:
        raise ValueError(f"particle_phase and matrix_phase must differ; both are '{matrix_phase}'")
    densest = DENSEST_EQUAL_SPHERES[dim]
    if shape == "sphere" and size_distribution == "monodisperse" and volume_fraction >= densest:
        raise ValueError(f"volume_fraction={volume_fraction} is at or above the densest packing of equal "
                         f"{'spheres' if dim == 3 else 'discs'} ({densest:.4f}); allowed: (0, {densest:.4f}), "
                         "and random packings jam well below it")
    rng = np.random.default_rng(seed)
    volumes = particle_sizes(count, volume_fraction * cell.volume, size_distribution, size_spread, rng)
    candidates = [_candidate(shape, v, aspect_ratio, dim) for v in volumes]
    # Volume-equivalent sphere (disc) diameters: the gap scales with the particle size, not its reach.
    equivalent = 2 * (volumes / math.pi) ** 0.5 if dim == 2 else (6 * volumes / math.pi) ** (1 / 3)
    mean_diameter = float(np.mean(equivalent))
    gap = 0.05 * mean_diameter if gap is None else gap
    if not gap > 0:
        raise ValueError(f"gap={gap} nm is not allowed; must be > 0 (touching particles give degenerate meshes)")
    largest = 2 * max(c.radius for c in candidates) + gap
    if largest >= min(cell.lengths):
        raise ValueError(f"the largest particle ({largest:.4g} nm with the gap) does not fit in the box "
                         f"{' x '.join(f'{v:g}' for v in cell.lengths)} nm; use more, smaller particles or a larger box")
    placed = pack(candidates, cell.lengths, gap, rng, random_orientation=orientation == "random")
    if lattice == "shape":
        lattices = [lattice_from_rotation(c.rotation) for c in placed]
    else:
        lattices = random_lattice(count, dim, rng) if lattice == "random" else [None] * count
    shapes = tuple(_shape(c, particle_phase, dim, e) for c, e in zip(placed, lattices, strict=True))
    return PeriodicGeometry(cell, matrix_phase, shapes)
