"""Uniform refinement of a distributed mesh, in parallel, with new nodes on curved interfaces.

Meshing at twice the element size and splitting every simplex into 2^dim children costs far less
than meshing at the final size: gmsh meshes 1/8 of the cells (in 3D) on rank 0, DOLFINx
distributes 1/8 of them, and every rank refines its own part (Plaza refinement). Measured on the
sphere RVE, 2 ranks, 2.0e6 tetrahedra (one profiled run): 3.2 s (gmsh + distribution of 2.5e5
cells) + 3.8 s (refinement), against 32 s when gmsh refined and DOLFINx distributed the 2e6 cells. New nodes on
curved interfaces go where :mod:`meshing.curved_nodes` projected them. Units: nm.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.spatial import cKDTree

import meshing.fenicsx  # noqa: F401
import dolfinx
import dolfinx.la
import dolfinx.mesh

from meshing.curved_nodes import CurvedNodes
from meshing.distribute import DistributedModel

__all__ = ["refine_model"]


def _child_values(values: np.ndarray, fine: dolfinx.mesh.Mesh, parent_cell: np.ndarray) -> np.ndarray:
    """A value per local (owned and ghost) cell of ``fine`` from a value per local cell of its parent
    mesh: owned children take their parent's, ghosts receive it from their owner.

    ``parent_cell`` follows the order in which refinement created the children; the refined mesh
    numbers its cells otherwise, and ``original_cell_index`` (global over the ranks' inputs)
    links the two.
    """
    imap = fine.topology.index_map(fine.topology.dim)
    owned = imap.size_local
    vector = dolfinx.la.vector(imap, dtype=values.dtype)
    vector.array[:owned] = values[_parents(fine, parent_cell)]
    vector.scatter_forward()
    return vector.array.copy()


def _parents(fine: dolfinx.mesh.Mesh, parent_cell: np.ndarray) -> np.ndarray:
    """The local parent cell of every owned cell of ``fine`` (``parent_cell`` in creation order)."""
    owned = fine.topology.index_map(fine.topology.dim).size_local
    offset = fine.comm.exscan(parent_cell.size) or 0
    return parent_cell[fine.topology.original_cell_index[:owned] - offset].astype(np.int32)


def _snap(mesh: dolfinx.mesh.Mesh, straight: np.ndarray, exact: np.ndarray, tolerance: float) -> tuple[int, int]:
    """Move the nodes of ``mesh`` that sit at a ``straight`` position (nm) to the matching
    ``exact`` one; returns the number of owned nodes moved and of owned cells this turns inside
    out."""
    if not len(straight):
        return 0, 0
    x = mesh.geometry.x
    distance, nearest = cKDTree(straight).query(x, distance_upper_bound=tolerance)
    moved = np.isfinite(distance)
    tdim = mesh.topology.dim
    owned = mesh.topology.index_map(tdim).size_local
    vertices = mesh.geometry.dofmaps[0][:owned, : tdim + 1]
    touched = vertices[moved[vertices].any(axis=1)]
    before = _orientations(x, touched, tdim)
    x[moved] = exact[nearest[moved]]
    owned_nodes = mesh.geometry.index_map().size_local
    return int(np.count_nonzero(moved[:owned_nodes])), int(np.count_nonzero(_orientations(x, touched, tdim) != before))


def _orientations(x: np.ndarray, cells: np.ndarray, tdim: int) -> np.ndarray:
    """Sign of the volume of affine simplex cells (node indices ``cells`` into ``x``)."""
    nodes = x[cells][:, :, :tdim]
    return np.sign(np.linalg.det(nodes[:, 1:, :] - nodes[:, :1, :]))


#: Amplitude (fraction of the box) of the position-only perturbation that breaks equal edge lengths.
TIE_BREAK = 1e-12


def _break_length_ties(x: np.ndarray, box_lengths: tuple[float, ...]) -> None:
    """Move every node by a smooth, box-periodic function of its position (``TIE_BREAK`` of the box).

    DOLFINx's refinement (Plaza) splits each face at its longest edge and breaks equal lengths
    by global vertex number, which depends on the partition: measured, 0.7 % of the children of
    a gmsh sphere RVE differed between 1 and 2 ranks, and C by 3e-5. Perturbed by a function of
    the position alone, equal lengths part the same way on any number of ranks; periodic images
    move alike, so opposite faces still match. The perturbation stays in the mesh, far below any
    solver tolerance.
    """
    dim = len(box_lengths)
    phase = 2 * np.pi * x[:, :dim] / np.asarray(box_lengths)
    waves = np.array([[7, 3, 5], [5, 7, 3], [3, 5, 7]])[:dim, :dim]
    offsets = np.array([0.3, 0.7, 1.1])[:dim]
    x[:, :dim] += TIE_BREAK * max(box_lengths) * np.sin(phase @ waves.T + offsets)


def refine_model(model: DistributedModel, refinements: int, curved: CurvedNodes,
                 boundary_tags: Callable[[dolfinx.mesh.Mesh], dolfinx.mesh.MeshTags], size: float,
                 box_lengths: tuple[float, ...]) -> DistributedModel:
    """Split every cell of a distributed model ``refinements`` times, in parallel.

    Every child cell keeps the region of its parent, and stays on its rank; new nodes on curved
    interfaces go to their projections (``curved``).

    Parameters
    ----------
    model : DistributedModel
        The coarse distributed mesh with its regions.
    refinements : int
        Number of uniform refinements (each halves the element size).
    curved : CurvedNodes
        From :func:`meshing.curved_nodes.curved_refinement_nodes` on the coarse gmsh model, same
        ``refinements``.
    boundary_tags : callable
        ``mesh -> facet tags`` of the refined mesh (e.g. the box faces of an RVE, found from
        the geometry).
    size : float
        Coarse element size (nm): new nodes are matched to ``curved`` within 1e-6 of the size of
        their level.
    box_lengths : tuple of float
        Edges of the periodic cell (nm): equal edge lengths are broken by a perturbation
        periodic in it (:func:`_break_length_ties`), so that every rank count refines alike (generically: lengths equal to
        within the perturbation could still part by vertex number).

    Returns
    -------
    DistributedModel
        The refined model; its ``parent`` is the model its last refinement split (``model``
        itself after one refinement), with ``parent_cell``.

    Raises
    ------
    ValueError
        When moving the new nodes onto a curved interface turns a cell inside out (a coarse
        mesh for its curvature), on every rank.
    RuntimeError
        When the new nodes on curved interfaces are not exactly the points of ``curved``, on
        every rank.
    """
    mesh = model.mesh
    tdim = mesh.topology.dim
    imap = mesh.topology.index_map(tdim)
    region = np.full(imap.size_local + imap.num_ghosts, -1, dtype=np.int32)
    region[model.regions.indices] = model.regions.values
    parent, parent_of = model, None
    for level in range(refinements):
        if level:
            parent = DistributedModel(mesh=mesh, regions=_all_cells(mesh, region), facet_tags=boundary_tags(mesh),
                                      info=model.info)
        mesh.topology.create_entities(1)
        _break_length_ties(mesh.geometry.x, box_lengths)
        # Not dolfinx.mesh.transfer_meshtag: on 2 ranks it corrupted the heap here (dolfinx 0.11).
        # No partitioner: children stay on their parent's rank and, like the unghosted coarse
        # mesh, the refined mesh has no ghost cells (the default rebuilds a ghost layer: 3.0 s
        # against 1.7 s for 2e6 tetrahedra on 2 ranks).
        fine, parent_cell, _ = dolfinx.mesh.refine(mesh, partitioner=None,
                                                   option=dolfinx.mesh.RefinementOption.parent_cell)
        region = _child_values(region, fine, parent_cell)
        parent_of = _parents(fine, parent_cell)
        mesh = fine
        tolerance = max(1e-6 * size / 2**level, 100 * TIE_BREAK * (level + 1) * max(box_lengths))
        moved, inverted = mesh.comm.allreduce(
            np.array(_snap(mesh, curved.straight[level], curved.exact[level], tolerance)))
        if moved != len(curved.straight[level]):
            raise RuntimeError(f"uniform refinement {level + 1}: {moved} nodes found for the "
                               f"{len(curved.straight[level])} new points on curved interfaces")
        if inverted:
            raise ValueError(
                f"mesh uniform_refinements={refinements}: {inverted} cells of refinement {level + 1} turn inside "
                f"out when their new nodes go onto the curved interfaces: the mesh size {size:g} nm is too coarse "
                "for the curvature; mesh finer (size or curvature_elements) or refine fewer times")
    if mesh.comm.allreduce(int(np.count_nonzero(region < 0))):
        raise RuntimeError("uniform refinement: a refined cell has no region (its parent had none)")
    return DistributedModel(mesh=mesh, regions=_all_cells(mesh, region), facet_tags=boundary_tags(mesh), info=model.info,
                            parent=parent if refinements else None, parent_cell=parent_of)


def _all_cells(mesh: dolfinx.mesh.Mesh, values: np.ndarray) -> dolfinx.mesh.MeshTags:
    """Cell tags with a value for every local cell."""
    return dolfinx.mesh.meshtags(mesh, mesh.topology.dim, np.arange(values.size, dtype=np.int32), values)
