"""h-multigrid (the fine P1 operator smoothed, the parent mesh's P1 operator corrected by GAMG)
against the direct solve, and its transfer against exact fields. Units: nm, GPa."""

import numpy as np
import pytest
from mpi4py import MPI

from meshing import MeshSettings, inclusions, laminate
from solvers.analyses.stiffness import effective_stiffness
from solvers.fe.linear_solver import SolverOptions


@pytest.fixture(scope="module")
def refined_sphere():
    # The sphere crosses the faces x = 0 and z = 1: new nodes moved onto it lie on periodic faces too.
    return inclusions(0.2, (1.0, 1.0, 1.0), MeshSettings(size=0.2, uniform_refinements=1), center=(0.3, 0.4, 0.95),
                      comm=MPI.COMM_SELF)


@pytest.mark.parametrize("bc", ["periodic", "kubc", "subc"])
def test_the_parent_mesh_level_gives_the_direct_stiffness_in_fewer_iterations(refined_sphere, soft_matrix,
                                                                              stiff_inclusion, bc):
    materials = {"matrix": soft_matrix, "inclusion": stiff_inclusion}
    direct = effective_stiffness(refined_sphere, materials, bc=bc, solver=SolverOptions(method="mumps"))
    two_level = effective_stiffness(refined_sphere, materials, bc=bc, solver=SolverOptions(rtol=1e-9))
    one_level = effective_stiffness(refined_sphere, materials, bc=bc, solver=SolverOptions(rtol=1e-9, p_multigrid=False))
    scale = np.abs(direct.C).max()
    assert np.abs(two_level.C - direct.C).max() < 1e-10 * scale
    assert np.abs(one_level.C - direct.C).max() < 1e-10 * scale
    # Measured at 1e6 dofs (2 ranks, rtol 1e-3): 6-7 against 21-27 iterations per load case.
    assert max(two_level.iterations) < min(one_level.iterations)


def _problems(rve, bc):
    from dolfinx import fem

    from solvers.fe.cell_problem import cell_problem

    fine = cell_problem(fem.functionspace(rve.mesh, ("Lagrange", 1, (rve.dim,))), rve, bc)
    parent = rve.refined_from
    coarse = cell_problem(fem.functionspace(parent.rve.mesh, ("Lagrange", 1, (rve.dim,))), parent.rve, bc)
    return fine, coarse


def _nodal(problem, field):
    """The unknown's vector of a field of the position (owned nodes of the unknown's space)."""
    import dolfinx.fem.petsc

    space = problem.space
    owned = space.dofmap.index_map.size_local
    x = space.tabulate_dof_coordinates()[:owned, : space.mesh.topology.dim]
    v = dolfinx.fem.petsc.create_vector(space)
    v.array[:] = field(x).ravel()
    return v


@pytest.mark.parametrize("refinements", [1, 2])
def test_the_transfer_is_exact_for_affine_fields_on_straight_refinements(refinements):
    """A laminate is bounded by planes: every fine node is a parent vertex or edge midpoint, and the
    P1 interpolation of an affine field of the parent mesh is that field at the fine nodes."""
    from solvers.fe.h_multigrid import nested_interpolation

    rve = laminate([0.4, 0.6], ["stiff", "soft"], (1.0,), MeshSettings(size=0.13, uniform_refinements=refinements),
                   comm=MPI.COMM_SELF)
    fine, coarse = _problems(rve, "subc")
    P = nested_interpolation(fine, coarse, rve.refined_from.cell)
    affine = np.array([[0.3, -1.2], [0.7, 0.25]])
    field = lambda x: x @ affine.T + np.array([0.1, -0.4])  # noqa: E731
    u = P.createVecLeft()
    P.mult(_nodal(coarse, field), u)
    expected = _nodal(fine, field)
    assert np.abs(u.array - expected.array).max() < 1e-12
    # Every row is a partition of unity over its parent's vertices: weights summing to one, in
    # [0, 1] up to the tie-break perturbation of the nodes (1e-12 of the box, over cells of 0.13).
    rows = [P.getRow(r) for r in range(0, P.getOwnershipRange()[1], 2)]
    assert all(abs(values.sum() - 1.0) < 1e-12 and values.min() > -1e-10 for _, values in rows)


def test_the_periodic_transfer_carries_translations_through_curved_nodes(refined_sphere):
    """On the fold, the coarse translations go to the fine translations exactly, also where the new
    nodes were moved onto the sphere (their weights step outside [0, 1] but still sum to one)."""
    from solvers.fe.h_multigrid import nested_interpolation

    fine, coarse = _problems(refined_sphere, "periodic")
    P = nested_interpolation(fine, coarse, refined_sphere.refined_from.cell)
    for direction in np.eye(3):
        u = P.createVecLeft()
        P.mult(_nodal(coarse, lambda x: np.broadcast_to(direction, x.shape)), u)
        assert np.abs(u.array - np.tile(direction, u.array.size // 3)).max() < 1e-12
    outside = [values.min() for _, values in (P.getRow(r) for r in range(0, P.getOwnershipRange()[1], 3))]
    assert min(outside) < 0.0  # some fine nodes were moved off their straight parents


def folded_against_unfolded_transfer(rve) -> float:
    """max |P_fold c - P c_parent| over the owned fine nodes, for a random coarse periodic vector ``c``
    (``c_parent``: it on the unfolded coarse space, ``P``: the unfolded transfer): the fold must pick
    the same rows and send every weight to the master of its coarse column."""
    from dolfinx import fem

    from solvers.fe.h_multigrid import nested_interpolation

    fine_p, coarse_p = _problems(rve, "periodic")
    fine_u, coarse_u = _problems(rve, "subc")
    cell = rve.refined_from.cell
    c = fem.Function(coarse_p.space)
    c.x.array[:] = np.random.default_rng(7 + rve.comm.rank).standard_normal(c.x.array.size)
    c.x.scatter_forward()
    c_parent = coarse_p.periodic.prolong(c, fem.Function(coarse_p.parent))
    folded, unfolded = fem.Function(fine_p.space), fem.Function(fine_p.parent)
    nested_interpolation(fine_p, coarse_p, cell).mult(c.x.petsc_vec, folded.x.petsc_vec)
    nested_interpolation(fine_u, coarse_u, cell).mult(c_parent.x.petsc_vec, unfolded.x.petsc_vec)
    on_parent = fine_p.periodic.prolong(folded, fem.Function(fine_p.parent))
    owned = fine_p.parent.dofmap.index_map.size_local * fine_p.parent.dofmap.index_map_bs
    return rve.comm.allreduce(float(np.abs(on_parent.x.array[:owned] - unfolded.x.array[:owned]).max()), op=MPI.MAX)


def test_the_periodic_transfer_sends_every_weight_to_the_master_of_its_column():
    """A 3D laminate refined twice (flat: every fine node is a parent vertex or edge midpoint)."""
    rve = laminate([0.4, 0.6], ["stiff", "soft"], (1.0, 1.0), MeshSettings(size=0.13, uniform_refinements=2),
                   comm=MPI.COMM_SELF)
    assert folded_against_unfolded_transfer(rve) < 1e-12
