"""Polycrystal: periodic Voronoi grains, each with its own random crystal orientation, optionally
separated by amorphous intergranular films (the dual-phase "nanocrystal wrapped in an amorphous
shell" structure).

Each grain is its Voronoi cell shrunk by half the film thickness on every face; the films are the
matrix between them. With ``film_thickness = 0`` the grains fill the cell (a plain
polycrystal). ``regularity`` sets how uniform the grains are (0: Poisson seeds). Deterministic
for a seed. 2D cells are polygons with random in-plane lattice rotations. Units: nm.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from meshing.geometry import Box, PeriodicGeometry, ThinFeature
from meshing.particles import random_lattice
from meshing.shapes import Prism
from meshing.solids import ConvexPolyhedron
from meshing.voronoi import periodic_seeds, periodic_voronoi_cells, shrink_cell

__all__ = ["polycrystal_geometry"]


def polycrystal_geometry(
    grains: int,
    box: Sequence[float],
    film_thickness: float = 0.0,
    regularity: float = 0.5,
    lattice: str = "random",
    seed: int = 0,
    grain_phase: str = "grain",
    film_phase: str = "film",
) -> PeriodicGeometry:
    """Geometry of a periodic polycrystal with optional intergranular films.

    Parameters
    ----------
    grains : int
        Number of grains (>= 2).
    box : sequence of float
        Box lengths (nm), 2 or 3 entries.
    film_thickness : float
        Amorphous film between grains (nm), >= 0; 0 gives a plain polycrystal.
    regularity : float
        Minimum seed distance as a fraction of the mean grain spacing, [0, 0.85].
    lattice : {"random", "aligned"}
        One random crystal orientation per grain, or all grains as the material is given.
    seed : int
        Random seed.
    grain_phase, film_phase : str
        Phase names.

    Returns
    -------
    PeriodicGeometry
    """
    cell = Box(tuple(box))
    if not (isinstance(grains, int) and grains >= 2):
        raise ValueError(f"grains={grains!r} must be an integer >= 2")
    if film_thickness < 0:
        raise ValueError(f"film_thickness={film_thickness} nm is not allowed; must be >= 0")
    if lattice not in ("random", "aligned"):
        raise ValueError(f"lattice='{lattice}' is not known; allowed: random, aligned")
    if grain_phase == film_phase:
        raise ValueError(f"grain_phase and film_phase must differ; both are '{grain_phase}'")
    rng = np.random.default_rng(seed)
    seeds = periodic_seeds(grains, cell.lengths, regularity, rng)
    lattices = random_lattice(grains, cell.dim, rng) if lattice == "random" else [None] * grains
    shapes = []
    for point, vertices, euler in zip(seeds, periodic_voronoi_cells(seeds, cell.lengths), lattices, strict=True):
        grain = shrink_cell(point, vertices, film_thickness / 2) if film_thickness > 0 else vertices
        if cell.dim == 2:
            shapes.append(Prism(grain_phase, tuple(map(tuple, grain)), crystal_euler=euler))
        else:
            shapes.append(ConvexPolyhedron(grain_phase, (0.0, 0.0, 0.0), grain, crystal_euler=euler))
    if film_thickness == 0:
        return PeriodicGeometry(cell, None, tuple(shapes))
    film = ThinFeature(film_phase, film_thickness, "intergranular film")
    return PeriodicGeometry(cell, film_phase, tuple(shapes), (film,))
