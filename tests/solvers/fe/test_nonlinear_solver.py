"""The SNES wrapper: Newton on a problem with an exact discrete solution, its failure reason,
the hook before every assembly, and the bound-constrained (variational inequality) solve.

References: a nonlinear diffusion problem whose exact solution is linear (so P1 holds it
exactly), and the 1D obstacle problem -u'' = -1 on (0, 1), u(0) = u(1) = 0, u >= -0.1, whose
solution is u = x^2/2 - a x on [0, a] (mirrored on [1 - a, 1]) and -0.1 between, a = sqrt(0.2).
"""

import numpy as np
import pytest
import ufl
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
from dolfinx import fem, mesh

from solvers.fe.linear_solver import SolverDivergedError, SolverOptions
from solvers.fe.nonlinear_solver import NewtonOptions, NonlinearSolver

DIRECT = SolverOptions(method="mumps")


def _nonlinear_diffusion(comm, n=8):
    """-div((1 + u^2) grad u) = f on the unit square, exact solution u = 1 + x."""
    domain = mesh.create_unit_square(comm, n, n)
    V = fem.functionspace(domain, ("Lagrange", 1))
    x = ufl.SpatialCoordinate(domain)
    exact = 1 + x[0]
    u, v = fem.Function(V), ufl.TestFunction(V)
    f = -ufl.div((1 + exact**2) * ufl.grad(exact))
    F = ((1 + u**2) * ufl.dot(ufl.grad(u), ufl.grad(v)) - f * v) * ufl.dx
    domain.topology.create_connectivity(1, 2)
    boundary = fem.locate_dofs_topological(V, 1, mesh.exterior_facet_indices(domain.topology))
    g = fem.Function(V)
    g.interpolate(lambda p: 1 + p[0])
    return F, u, [fem.dirichletbc(g, boundary)], g


def test_newton_reaches_the_exact_discrete_solution_quadratically():
    F, u, bcs, exact = _nonlinear_diffusion(MPI.COMM_SELF)
    calls = []
    solver = NonlinearSolver(F, u, NewtonOptions(linear=DIRECT, rtol=1e-12, atol=1e-13), bcs=bcs,
                             before_assembly=lambda: calls.append(1), label="diffusion")
    history = []
    solver.snes.setMonitor(lambda snes, it, norm: history.append(norm))
    iterations = solver.solve()
    assert np.abs(u.x.array - exact.x.array).max() < 1e-11
    assert iterations <= 6
    assert len(calls) >= 2 * iterations  # before every residual and every Jacobian
    # Quadratic: each residual is at most a constant times the square of the previous one.
    ratios = [history[k + 1] / history[k] ** 2 for k in range(1, len(history) - 1) if history[k] > 1e-9]
    assert ratios and max(ratios) < 10.0
    solver.destroy()


def test_a_newton_solve_that_does_not_converge_raises_with_the_snes_reason():
    F, u, bcs, _ = _nonlinear_diffusion(MPI.COMM_SELF)
    solver = NonlinearSolver(F, u, NewtonOptions(linear=DIRECT, max_iterations=1, rtol=1e-14, atol=0.0), bcs=bcs,
                             label="diffusion")
    with pytest.raises(SolverDivergedError, match="Newton solve diffusion did not converge: SNES reason DIVERGED_MAX_IT"):
        solver.solve()


def test_bounds_need_the_variational_inequality_method():
    F, u, bcs, _ = _nonlinear_diffusion(MPI.COMM_SELF)
    with pytest.raises(ValueError, match="needs bounds"):
        NonlinearSolver(F, u, NewtonOptions(method="vinewtonrsls"), bcs=bcs)


@pytest.mark.parametrize("n", [64, 128])
def test_the_obstacle_problem_is_solved_with_its_exact_contact_zone(n):
    domain = mesh.create_unit_interval(MPI.COMM_SELF, n)
    V = fem.functionspace(domain, ("Lagrange", 1))
    u, v = fem.Function(V), ufl.TestFunction(V)
    F = (ufl.dot(ufl.grad(u), ufl.grad(v)) + v) * ufl.dx
    ends = fem.locate_dofs_geometrical(V, lambda p: np.isclose(p[0], 0.0) | np.isclose(p[0], 1.0))
    lower, upper = fem.Function(V), fem.Function(V)
    lower.x.array[:] = -0.1
    upper.x.array[:] = 1e3
    solver = NonlinearSolver(F, u, NewtonOptions(method="vinewtonrsls", linear=DIRECT), bcs=[fem.dirichletbc(0.0, ends, V)],
                             bounds=(lower, upper), label="obstacle")
    solver.solve()
    x = V.tabulate_dof_coordinates()[:, 0]
    a = np.sqrt(0.2)
    s = np.minimum(x, 1 - x)
    exact = np.where(s < a, s**2 / 2 - a * s, -0.1)
    assert u.x.array.min() >= -0.1 - 1e-12
    assert np.abs(u.x.array - exact).max() < 2.0 / n**2


def test_a_loose_linear_step_stops_at_rtol_of_the_whole_right_hand_side_not_of_its_initial_residual():
    # A linear problem (Poisson, -lap u = 1, u = 0 on the boundary) as a ksponly step with CG +
    # Jacobi. With rhs_rtol = 1e-8 its Krylov tolerance is measured against the whole system's
    # right-hand side f = J u0 - F(u0): from a guess already within 1e-6 of the solution the solve
    # stops as soon as ||J u - f|| <= 1e-8 ||f|| (a few iterations), instead of asking for 1e-8 of
    # the guess's residual (as many iterations as from zero, which rhs_rtol = None does).
    domain = mesh.create_unit_square(MPI.COMM_SELF, 48, 48)
    V = fem.functionspace(domain, ("Lagrange", 1))
    u, v = fem.Function(V), ufl.TestFunction(V)
    F = (ufl.dot(ufl.grad(u), ufl.grad(v)) - v) * ufl.dx
    domain.topology.create_connectivity(1, 2)
    boundary = fem.locate_dofs_topological(V, 1, mesh.exterior_facet_indices(domain.topology))
    options = NewtonOptions(method="ksponly", linear=SolverOptions(method="cg-gamg"),
                            petsc_options={"pc_type": "jacobi", "ksp_rtol": 1e-8, "ksp_norm_type": "unpreconditioned",
                                           "ksp_max_it": 2000, "ksp_atol": 1e-50})
    solver = NonlinearSolver(F, u, options, bcs=[fem.dirichletbc(0.0, boundary, V)], before_assembly=lambda: None)
    solver.rhs_rtol = 1e-8
    ksp = solver.snes.getKSP()

    def relative_residual() -> float:
        A, b = solver.problem.A, solver.problem.b
        x = u.x.petsc_vec
        f = b.duplicate()
        A.mult(x, f)
        f.axpy(-1.0, b)              # f = J u - F(u), the right-hand side
        r = b.duplicate()
        A.mult(x, r)
        r.axpy(-1.0, f)              # J u - f = F(u)
        return r.norm() / f.norm()

    solver.solve()
    from_zero = ksp.getIterationNumber()
    exact = u.x.array.copy()
    u.x.array[:] = exact * (1.0 + 1e-6 * np.cos(np.arange(exact.size)))
    solver.solve()
    from_guess = ksp.getIterationNumber()
    solver.snes.computeFunction(u.x.petsc_vec, solver.problem.b)
    assert relative_residual() <= 1e-8 * 1.01
    assert from_zero > 50 and from_guess < from_zero / 2
    solver.rhs_rtol = None                                       # the configured rtol of the initial residual
    u.x.array[:] = exact * (1.0 + 1e-6 * np.cos(np.arange(exact.size)))
    solver.solve()
    assert ksp.getIterationNumber() > 0.8 * from_zero and ksp.getTolerances()[1] == pytest.approx(1e-50)
    solver.destroy()
