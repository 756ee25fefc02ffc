"""Parallel uniform refinement (:mod:`meshing.uniform_refinement`): regions follow the parents,
and a node move that would fold a cell over is refused. The refined RVEs themselves (periodic
faces, nodes on the sphere, serial = parallel) are checked in test_rve.py and test_mpi.py."""

import numpy as np
import pytest
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
import dolfinx.mesh

from meshing.curved_nodes import CurvedNodes
from meshing.distribute import DistributedModel
from meshing.uniform_refinement import refine_model


def _unit_square() -> DistributedModel:
    mesh = dolfinx.mesh.create_unit_square(MPI.COMM_SELF, 2, 2)
    cells = np.arange(mesh.topology.index_map(2).size_local, dtype=np.int32)
    centres = dolfinx.mesh.compute_midpoints(mesh, 2, cells)
    values = np.where(centres[:, 0] < 0.5, 7, 9).astype(np.int32)
    return DistributedModel(mesh=mesh, regions=dolfinx.mesh.meshtags(mesh, 2, cells, values), facet_tags=None, info=None)


def _no_curves(levels: int) -> CurvedNodes:
    return CurvedNodes(tuple(np.zeros((0, 3)) for _ in range(levels)), tuple(np.zeros((0, 3)) for _ in range(levels)))


def test_children_keep_the_region_of_their_parent():
    refined = refine_model(_unit_square(), 2, _no_curves(2), lambda mesh: None, size=0.5, box_lengths=(1.0, 1.0))
    mesh = refined.mesh
    assert mesh.topology.index_map(2).size_local == 16 * 8
    centres = dolfinx.mesh.compute_midpoints(mesh, 2, refined.regions.indices)
    assert np.array_equal(refined.regions.values, np.where(centres[:, 0] < 0.5, 7, 9))


def test_a_node_move_that_folds_a_cell_is_refused_by_name():
    # The midpoint of the edge (0, 0)-(0.5, 0) sent across the square folds its cells over.
    curved = CurvedNodes((np.array([[0.25, 0.0, 0.0]]),), (np.array([[0.25, 0.9, 0.0]]),))
    with pytest.raises(ValueError, match=r"uniform_refinements=1: [1-9]\d* cells of refinement 1 turn inside out"):
        refine_model(_unit_square(), 1, curved, lambda mesh: None, size=0.5, box_lengths=(1.0, 1.0))
