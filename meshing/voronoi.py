"""Periodic Voronoi tessellations (2D and 3D) for grains, tablets and vein networks.

Seeds are placed by random sequential addition with a minimum distance of ``regularity`` x the
ideal spacing (V / count)^(1/dim): 0 gives Poisson seeds (very irregular cells), values near
0.8 give nearly regular ones. Cells are the Voronoi cells of the seeds among their 3^dim
periodic images; they can be shrunk (each face moved inwards) to leave films between them.
Deterministic for a given random generator. Units: nm.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.spatial import ConvexHull, HalfspaceIntersection, Voronoi

__all__ = ["periodic_seeds", "periodic_voronoi_cells", "shrink_cell"]

MAX_REGULARITY = 0.85


def periodic_seeds(count: int, lengths: tuple[float, ...], regularity: float, rng: np.random.Generator) -> np.ndarray:
    """``count`` points in the periodic box at least ``regularity`` x the ideal spacing apart.

    Raises
    ------
    ValueError
        When the points cannot be placed (regularity too high for the count).
    """
    if not (isinstance(count, int) and count >= 1):
        raise ValueError(f"count={count!r} must be an integer >= 1")
    if not 0 <= regularity <= MAX_REGULARITY:
        raise ValueError(f"regularity={regularity} is outside the allowed range [0, {MAX_REGULARITY}]")
    L = np.asarray(lengths, dtype=float)
    spacing = (math.prod(lengths) / count) ** (1 / len(lengths))
    minimum = regularity * spacing
    points = np.zeros((0, len(lengths)))
    for _ in range(20000 * count):
        if len(points) == count:
            return points
        p = rng.uniform(0, 1, len(lengths)) * L
        d = np.abs(points - p)
        d = np.minimum(d, L - d)
        if len(points) == 0 or np.min(np.linalg.norm(d, axis=1)) >= minimum:
            points = np.vstack([points, p])
    raise ValueError(f"could not place {count} seeds {minimum:.3g} nm apart (regularity={regularity}); lower the regularity")


def periodic_voronoi_cells(seeds: np.ndarray, lengths: tuple[float, ...]) -> list[np.ndarray]:
    """Vertices of the Voronoi cell of every seed among the periodic images (2D: counter-clockwise)."""
    dim = len(lengths)
    shifts = np.array(list(itertools.product((-1, 0, 1), repeat=dim))) * np.asarray(lengths)
    centre = int(np.flatnonzero(~shifts.any(axis=1))[0])
    diagram = Voronoi(np.concatenate([seeds + s for s in shifts]))
    cells = []
    for k in range(len(seeds)):
        region = diagram.regions[diagram.point_region[centre * len(seeds) + k]]
        vertices = diagram.vertices[region]
        if dim == 2:
            mid = vertices.mean(axis=0)
            vertices = vertices[np.argsort(np.arctan2(vertices[:, 1] - mid[1], vertices[:, 0] - mid[0]))]
        cells.append(vertices)
    return cells


def shrink_cell(seed: np.ndarray, vertices: np.ndarray, distance: float) -> np.ndarray:
    """A convex cell with every face moved inwards by ``distance`` (half-space intersection).

    Returns the vertices (2D: counter-clockwise). Raises ValueError if the cell vanishes.
    """
    hull = ConvexHull(vertices)
    halfspaces = hull.equations.copy()
    halfspaces[:, -1] += distance
    if np.any(halfspaces[:, :-1] @ seed + halfspaces[:, -1] >= 0):
        raise ValueError(f"a cell is too small for a film of {2 * distance:g} nm around it; thin the film or "
                         "raise the regularity")
    points = HalfspaceIntersection(halfspaces, seed).intersections
    points = points[ConvexHull(points).vertices]
    if points.shape[1] == 2:
        mid = points.mean(axis=0)
        points = points[np.argsort(np.arctan2(points[:, 1] - mid[1], points[:, 0] - mid[0]))]
    return points
