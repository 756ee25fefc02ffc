"""The periodic constraint: every max-face node folds onto its image; broken meshes are refused."""

import numpy as np
import pytest
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
from dolfinx import fem, mesh

from meshing import Box, MeshSettings, inclusions
from solvers.periodic import interior_prolongation, periodic_prolongation


def _unit_cube(comm, n=4):
    return mesh.create_unit_cube(comm, n, n, n)


@pytest.mark.parametrize("degree", [1, 2])
def test_periodic_prolongation_counts_one_master_per_periodic_node(degree):
    n = 4
    V = fem.functionspace(_unit_cube(MPI.COMM_SELF, n), ("Lagrange", degree, (3,)))
    prolongation = periodic_prolongation(V, Box((1.0, 1.0, 1.0)))
    # A periodic structured grid of n cells per side has (degree * n)^3 distinct nodes.
    assert prolongation.num_reduced_nodes == (degree * n) ** 3
    P = prolongation.P
    ones = P.createVecRight()
    ones.set(1.0)
    image = P.createVecLeft()
    P.mult(ones, image)
    assert np.allclose(image.array, 1.0)  # every dof gets exactly one master value


def test_interior_prolongation_drops_every_boundary_node():
    n = 4
    V = fem.functionspace(_unit_cube(MPI.COMM_SELF, n), ("Lagrange", 1, (3,)))
    assert interior_prolongation(V, Box((1.0, 1.0, 1.0))).num_reduced_nodes == (n - 1) ** 3


def test_periodic_fluctuation_takes_equal_values_on_opposite_faces():
    rve = inclusions(0.2, (10.0, 10.0, 10.0), MeshSettings(size=2.0), center=(0.5, 9.0, 5.0), comm=MPI.COMM_SELF)
    V = fem.functionspace(rve.mesh, ("Lagrange", 2, (3,)))
    prolongation = periodic_prolongation(V, rve.box)
    a = prolongation.reduced_vector()
    a.setArray(np.random.default_rng(0).standard_normal(a.getLocalSize()))
    w = fem.Function(V)
    prolongation.P.mult(a, w.x.petsc_vec)
    x = V.tabulate_dof_coordinates()
    values = w.x.array.reshape(-1, 3)
    for axis in range(3):
        low = np.flatnonzero(np.abs(x[:, axis]) < 1e-9)
        high = np.flatnonzero(np.abs(x[:, axis] - 10.0) < 1e-9)
        shifted = x[high].copy()
        shifted[:, axis] -= 10.0
        order = [low[np.argmin(np.linalg.norm(x[low] - p, axis=1))] for p in shifted]
        assert np.allclose(values[high], values[order])


def test_non_periodic_mesh_is_refused_with_the_offending_node():
    domain = _unit_cube(MPI.COMM_SELF)
    x = domain.geometry.x
    node = np.flatnonzero((np.abs(x[:, 0] - 1.0) < 1e-12) & (x[:, 1] > 0.3) & (x[:, 1] < 0.7) & (x[:, 2] > 0.3) & (x[:, 2] < 0.7))[0]
    x[node, 1] += 1e-3
    V = fem.functionspace(domain, ("Lagrange", 1, (3,)))
    with pytest.raises(RuntimeError, match=r"mesh is not periodic: 1 node\(s\) on the max faces have no image"):
        periodic_prolongation(V, Box((1.0, 1.0, 1.0)))
