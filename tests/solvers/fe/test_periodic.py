"""The periodic space: folded nodes, equal values on opposite faces, the same energy as the
parent space, translations as null space, and refusal of non-periodic meshes."""

import numpy as np
import pytest
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
import dolfinx.fem.petsc
from dolfinx import fem, mesh

from meshing import Box, MeshSettings, inclusions
from solvers.fe.elasticity import ElasticStiffness
from solvers.micromechanics.material_library import library_material
from solvers.fe.periodic import periodic_space


@pytest.mark.parametrize("degree", [1, 2])
def test_a_periodic_grid_has_one_master_per_distinct_node(degree):
    n = 4
    V = fem.functionspace(mesh.create_unit_cube(MPI.COMM_SELF, n, n, n), ("Lagrange", degree, (3,)))
    # A periodic structured grid of n cells per side has (degree * n)^3 distinct nodes.
    assert periodic_space(V, Box((1.0, 1.0, 1.0))).num_global_nodes == (degree * n) ** 3


@pytest.fixture(scope="module")
def wrapped_rve():
    return inclusions(0.2, (10.0, 10.0, 10.0), MeshSettings(size=2.0), center=(0.5, 9.0, 5.0), comm=MPI.COMM_SELF)


def _random_periodic(periodic, seed=0):
    w = fem.Function(periodic.space)
    w.x.array[:] = np.random.default_rng(seed).standard_normal(w.x.array.size)
    return w


def test_prolonged_function_takes_equal_values_on_opposite_faces(wrapped_rve):
    V = fem.functionspace(wrapped_rve.mesh, ("Lagrange", 2, (3,)))
    periodic = periodic_space(V, wrapped_rve.box)
    w = periodic.prolong(_random_periodic(periodic), fem.Function(V))
    x = V.tabulate_dof_coordinates()
    values = w.x.array.reshape(-1, 3)
    for axis in range(3):
        low = np.flatnonzero(np.abs(x[:, axis]) < 1e-9)
        high = np.flatnonzero(np.abs(x[:, axis] - 10.0) < 1e-9)
        shifted = x[high].copy()
        shifted[:, axis] -= 10.0
        image = [low[np.argmin(np.linalg.norm(x[low] - p, axis=1))] for p in shifted]
        assert np.allclose(values[high], values[image])


def test_periodic_operator_has_the_energy_of_the_prolonged_function(wrapped_rve):
    material = library_material("aragonite", euler_deg=[10.0, 20.0, 30.0])
    materials = {"matrix": material, "inclusion": material}
    V = fem.functionspace(wrapped_rve.mesh, ("Lagrange", 1, (3,)))
    periodic = periodic_space(V, wrapped_rve.box)
    A = dolfinx.fem.petsc.assemble_matrix(ElasticStiffness(wrapped_rve, materials).bilinear_form(periodic.space))
    A.assemble()
    K = dolfinx.fem.petsc.assemble_matrix(ElasticStiffness(wrapped_rve, materials).bilinear_form(V))
    K.assemble()
    w = _random_periodic(periodic)
    u = periodic.prolong(w, fem.Function(V))
    Aw, Ku = A.createVecLeft(), K.createVecLeft()
    A.mult(w.x.petsc_vec, Aw)
    K.mult(u.x.petsc_vec, Ku)
    assert w.x.petsc_vec.dot(Aw) == pytest.approx(u.x.petsc_vec.dot(Ku), rel=1e-12)
    for t in periodic.translations():
        A.mult(t, Aw)
        assert Aw.norm() < 1e-10 * A.norm()


def test_non_periodic_mesh_is_refused_with_the_offending_node():
    domain = mesh.create_unit_cube(MPI.COMM_SELF, 4, 4, 4)
    x = domain.geometry.x
    node = np.flatnonzero((np.abs(x[:, 0] - 1.0) < 1e-12) & (x[:, 1] > 0.3) & (x[:, 1] < 0.7) & (x[:, 2] > 0.3) & (x[:, 2] < 0.7))[0]
    x[node, 1] += 1e-3
    V = fem.functionspace(domain, ("Lagrange", 1, (3,)))
    with pytest.raises(RuntimeError, match=r"mesh is not periodic: 1 node\(s\) on the max faces have no image"):
        periodic_space(V, Box((1.0, 1.0, 1.0)))
