"""Where uniform refinement's new nodes on curved interfaces belong (gmsh, on the meshing rank).

Splitting every simplex of a mesh keeps its coarse, inscribed interfaces. While the gmsh model
exists, :func:`curved_refinement_nodes` replays the refinement on the boundary simplices of every
curved entity of dimension 1..dim-1 (each edge split at its midpoint) and projects each new
point onto its entity, level by level, from the already projected points of the level before,
as gmsh's own refinement does. :func:`meshing.uniform_refinement.refine_model` then moves the
new nodes of each (parallel) refinement to these positions. Projecting only at the end would
move nodes by the coarse mesh's sagitta next to elements four times smaller (inverted
tetrahedra, measured at two refinements). Periodic faces stay matched: a point on a max face
takes the projection of its min-face image, shifted by the box. Units: nm.
"""

from __future__ import annotations

from dataclasses import dataclass

import gmsh
import numpy as np
from scipy.spatial import cKDTree

__all__ = ["CurvedNodes", "curved_refinement_nodes"]

#: gmsh entity types whose meshes are already exact: midpoints need no projection.
_FLAT_TYPES = {"Line", "Plane"}

#: Points closer than this (fraction of the box) are the same point.
_SAME_POINT = 1e-10


@dataclass(frozen=True)
class CurvedNodes:
    """Where each refinement's new nodes on curved interfaces belong.

    Attributes
    ----------
    straight : tuple of numpy.ndarray
        Per refinement level, positions (nm), shape (n, 3), of the new nodes on curved entities
        as midpoint splitting of the previous (projected) level puts them.
    exact : tuple of numpy.ndarray
        Per level, their projections onto the CAD entity they lie on (nm), shape (n, 3).
    """

    straight: tuple[np.ndarray, ...]
    exact: tuple[np.ndarray, ...]


def _edges(d: int) -> list[tuple[int, int]]:
    return [(0, 1)] if d == 1 else [(0, 1), (1, 2), (2, 0)]


def _children(simplices: np.ndarray, midpoints: np.ndarray) -> np.ndarray:
    """The 2^d children (vertex coordinates) of simplices split at their edge midpoints."""
    if simplices.shape[1] == 2:
        a, b, m = simplices[:, 0], simplices[:, 1], midpoints[:, 0]
        return np.concatenate([np.stack([a, m], 1), np.stack([m, b], 1)])
    a, b, c = simplices[:, 0], simplices[:, 1], simplices[:, 2]
    ab, bc, ca = midpoints[:, 0], midpoints[:, 1], midpoints[:, 2]
    return np.concatenate([np.stack(t, 1) for t in ((a, ab, ca), (ab, b, bc), (ca, bc, c), (ab, bc, ca))])


def _curved_entities(dim: int) -> list[tuple[int, int, np.ndarray]]:
    """(d, tag, simplex vertex coordinates (n, d + 1, 3)) of every meshed curved entity of
    dimension 1..dim-1, surfaces before curves."""
    tags, coords, _ = gmsh.model.mesh.getNodes()
    position = np.zeros((int(tags.max()) + 1, 3))
    position[tags] = coords.reshape(-1, 3)
    entities = []
    for d in range(dim - 1, 0, -1):
        for _, tag in gmsh.model.getEntities(d):
            if gmsh.model.getType(d, tag) in _FLAT_TYPES:
                continue
            _, _, element_nodes = gmsh.model.mesh.getElements(d, tag)
            if len(element_nodes):
                simplices = np.asarray(element_nodes[0], dtype=np.int64).reshape(-1, d + 1)
                entities.append((d, tag, position[simplices]))
    return entities


def curved_refinement_nodes(dim: int, refinements: int, box_lengths: tuple[float, ...]) -> CurvedNodes:
    """Project the nodes ``refinements`` uniform splits create on curved boundary entities.

    Runs on the process that holds the meshed gmsh model.

    Parameters
    ----------
    dim : int
        Dimension of the model (2 or 3).
    refinements : int
        Number of uniform refinements (>= 1). The replay splits triangles into four similar
        ones, as DOLFINx does in 2D; in 3D it splits them otherwise past the first refinement,
        and :func:`meshing.rve.build_rve` allows only one there.
    box_lengths : tuple of float
        Edges of the periodic cell (nm), to keep periodic images matched.

    Returns
    -------
    CurvedNodes
    """
    tolerance = _SAME_POINT * max(box_lengths)
    entities = _curved_entities(dim)
    straight_levels, exact_levels = [], []
    for _ in range(refinements):
        midpoints = [0.5 * (s[:, [i for i, _ in _edges(d)]] + s[:, [j for _, j in _edges(d)]]) for d, _, s in entities]
        if not entities:
            straight_levels.append(np.zeros((0, 3)))
            exact_levels.append(np.zeros((0, 3)))
            continue
        straight = np.concatenate([m.reshape(-1, 3) for m in midpoints])
        groups = cKDTree(straight).query_ball_point(straight, tolerance)
        straight = straight[np.unique([min(g) for g in groups])]
        tree = cKDTree(straight)
        exact = straight.copy()
        # Entities come surfaces first: a point on a curve ends with its projection on the curve.
        for (d, tag, _), m in zip(entities, midpoints, strict=True):
            _, index = tree.query(m.reshape(-1, 3))
            index = np.unique(index)
            exact[index] = np.reshape(gmsh.model.getClosestPoint(d, tag, straight[index].ravel())[0], (-1, 3))
        _match_periodic_images(straight, exact, box_lengths)
        straight_levels.append(straight)
        exact_levels.append(exact)
        entities = [(d, tag, _children(s, exact[tree.query(m.reshape(-1, 3))[1]].reshape(m.shape)))
                    for (d, tag, s), m in zip(entities, midpoints, strict=True)]
    return CurvedNodes(tuple(straight_levels), tuple(exact_levels))


def _match_periodic_images(straight: np.ndarray, exact: np.ndarray, box_lengths: tuple[float, ...]) -> None:
    """Give every point on a max face the projection of its min-face image, shifted by the box."""
    tolerance = _SAME_POINT * max(box_lengths)
    tree = cKDTree(straight)
    for axis, length in enumerate(box_lengths):
        high = np.flatnonzero(np.abs(straight[:, axis] - length) < tolerance)
        if not len(high):
            continue
        image = straight[high].copy()
        image[:, axis] -= length
        distance, source = tree.query(image)
        found = distance < tolerance
        exact[high[found]] = exact[source[found]]
        exact[high[found], axis] += length
