"""Checked linear solves: MUMPS with the known null space pinned, its null pivots and backward error.

Independent references: the CG + GAMG solution of the same singular systems (null space removed),
exact arithmetic facts about tiny systems (a rank-deficient matrix, an inconsistent right-hand side).
"""

import numpy as np
import pytest
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
from petsc4py import PETSc

from meshing import MeshSettings, inclusions
from solvers.analyses.stiffness import effective_stiffness
from solvers.fe.linear_solver import LinearSolver, NullSpaceMismatchError, SolverDivergedError, SolverOptions, pinned_rows
from solvers.micromechanics.materials import isotropic

DIRECT = SolverOptions(method="mumps")


def _matrix(dense):
    n = dense.shape[0]
    A = PETSc.Mat().createAIJ((n, n), comm=MPI.COMM_SELF)
    A.setUp()
    for i in range(n):
        for j in range(n):
            if dense[i, j]:
                A.setValue(i, j, dense[i, j])
    A.assemble()
    return A


def _vector(values):
    v = PETSc.Vec().createSeq(len(values), comm=MPI.COMM_SELF)
    v.setArray(np.asarray(values, dtype=float))
    return v


def _laplacian_1d(n):
    """Free-free 1D Laplacian: singular, null space the constants."""
    A = np.zeros((n, n))
    for i in range(n - 1):
        A[i, i] += 1
        A[i + 1, i + 1] += 1
        A[i, i + 1] -= 1
        A[i + 1, i] -= 1
    return A


def _constant_null_space(n):
    v = _vector(np.ones(n) / np.sqrt(n))
    return PETSc.NullSpace().create(vectors=[v], comm=MPI.COMM_SELF)


def test_direct_solve_of_a_singular_system_equals_the_minimum_norm_solution():
    n = 8
    A = _matrix(_laplacian_1d(n))
    A.setNullSpace(_constant_null_space(n))
    b = np.sin(np.arange(n))
    b -= b.mean()
    solver = LinearSolver(A, DIRECT, null_space_dimension=1)
    solver.setup()
    x = _vector(np.zeros(n))
    solver.solve(_vector(b), x)
    expected = np.linalg.pinv(_laplacian_1d(n)) @ b
    assert np.abs(x.getArray() - expected).max() < 1e-12 * np.abs(expected).max()


def test_an_operator_singular_beyond_its_declared_null_space_is_refused_at_setup():
    # Two disconnected free-free chains: a 2D null space, of which only one mode is declared.
    block = _laplacian_1d(4)
    A = _matrix(np.block([[block, np.zeros((4, 4))], [np.zeros((4, 4)), block]]))
    A.setNullSpace(_constant_null_space(8))
    solver = LinearSolver(A, DIRECT, null_space_dimension=1)
    with pytest.raises(NullSpaceMismatchError, match="null pivot") as info:
        solver.setup()
    assert info.value.null_pivots > info.value.expected == 1


def test_an_undeclared_null_space_is_refused_rather_than_solved_for_a_particular_solution():
    n = 6
    solver = LinearSolver(_matrix(_laplacian_1d(n)), DIRECT)
    with pytest.raises(NullSpaceMismatchError, match="null pivot"):
        solver.setup()


def test_pinned_rows_determine_the_rigid_modes():
    # Rigid modes of 3 points in the plane: 2 translations and a rotation.
    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.3, 0.8]])
    modes = [np.tile([1.0, 0.0], 3), np.tile([0.0, 1.0], 3), np.column_stack([-x[:, 1], x[:, 0]]).ravel()]
    space = PETSc.NullSpace().create(vectors=[_vector(m / np.linalg.norm(m)) for m in modes], comm=MPI.COMM_SELF)
    rows = pinned_rows(space)
    restricted = np.array(modes).T[rows]
    assert rows.size == 3 and abs(np.linalg.det(restricted)) > 1e-3


@pytest.fixture(scope="module")
def sphere_rve():
    return inclusions(0.2, (1.0, 1.0, 1.0), MeshSettings(size=0.2), center=(0.2, 0.7, 0.9), comm=MPI.COMM_SELF)


def test_a_statically_pivoted_particular_solution_is_caught_by_its_backward_error():
    # Null-pivot detection off and static pivoting on: MUMPS replaces the zero pivot, factorises
    # "successfully", preonly reports convergence, and the vector it returns solves a perturbed
    # system, not this one (the load is not in the range of the operator).
    n = 6
    options = SolverOptions(method="mumps", petsc_options={"mat_mumps_icntl_24": 0, "mat_mumps_cntl_4": 1e-3})
    solver = LinearSolver(_matrix(_laplacian_1d(n)), options)
    solver.setup()
    with pytest.raises(SolverDivergedError, match="backward error"):
        solver.solve(_vector(np.ones(n)), _vector(np.zeros(n)))


@pytest.mark.parametrize("bc", ["periodic", "kubc", "subc"])
def test_mumps_with_pinned_null_space_equals_cg_for_every_boundary_condition(sphere_rve, bc):
    # P2 and a 1e4 stiffness contrast: MUMPS's own null-pivot count is wrong here (1 of 3 periodic
    # translations, 3 of 6 SUBC rigid modes at its default threshold), so the null space is pinned.
    materials = {"matrix": isotropic(0.01, 0.3, 1.0), "inclusion": isotropic(100.0, 0.2, 3.0)}
    direct = effective_stiffness(sphere_rve, materials, bc=bc, degree=2, solver=DIRECT).C
    iterative = effective_stiffness(sphere_rve, materials, bc=bc, degree=2, solver=SolverOptions(rtol=1e-10)).C
    assert np.abs(direct - iterative).max() < 1e-8 * np.abs(iterative).max()


def _gamg_laplacian(n):
    """A non-singular 1D Laplacian (Dirichlet ends) large enough for GAMG to coarsen."""
    A = _laplacian_1d(n)
    A[0, 0] += 1
    A[-1, -1] += 1
    return _matrix(A)


def test_a_single_operator_solver_drops_the_product_data_and_solves_the_same():
    n = 400
    b = np.sin(np.linspace(0.0, 7.0, n))
    solutions = []
    for single in (False, True):
        solver = LinearSolver(_gamg_laplacian(n), SolverOptions(rtol=1e-10), single_operator=single)
        solver.setup()
        assert not PETSc.Options().hasName("mat_product_clear")  # set for the set-up only
        x = _vector(np.zeros(n))
        solver.solve(_vector(b), x)
        solutions.append(x.getArray().copy())
        if single:
            with pytest.raises(ValueError, match="single-operator solver keeps what it built"):
                solver.set_operator(_gamg_laplacian(n))
        solver.destroy()
    assert np.abs(solutions[1] - solutions[0]).max() < 1e-8 * np.abs(solutions[0]).max()
