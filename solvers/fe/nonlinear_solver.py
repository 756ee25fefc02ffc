"""Thin wrapper over ``dolfinx.fem.petsc.NonlinearProblem`` (PETSc SNES), checked.

* Options go into PETSc's database under the problem's own prefix and stay there until the
  problem is destroyed, so that options read late (multigrid levels) are not lost.
* ``before_assembly`` runs at every Newton point, after the iterate is copied into the
  solution function and before the residual or Jacobian is assembled: the place to evaluate
  constitutive laws at quadrature points (:class:`solvers.fe.quadrature.QuadratureLaws`).
* ``lag_preconditioner``: the preconditioner is built from a copy of the Jacobian that is
  refreshed only on :meth:`NonlinearSolver.refresh_preconditioner` (PETSc skips the set-up of
  an unchanged preconditioner matrix), e.g. to keep a factorisation across the solves of a
  slowly changing operator.
* ``rhs_rtol`` (set between solves, ``ksponly`` with ``before_assembly`` only): a loose linear
  step whose Krylov solve stops at ``rhs_rtol`` of the whole system's right-hand side
  ``f = J u0 - F(u0)`` (``ksp_atol = rhs_rtol ||f||``) instead of ``ksp_rtol`` of the residual of
  its initial guess, e.g. the inner passes of a phase-field step, where a good guess would
  otherwise ask for more digits of an already small correction. ``None`` (default): the
  configured tolerances.
* ``bounds``: lower and upper bound functions make it a variational inequality solved by
  ``vinewtonrsls`` (e.g. damage irreversibility, d >= its previous value).
* A solve that does not converge raises :class:`~solvers.fe.linear_solver.SolverDivergedError`
  with SNES's converged reason (and its KSP's).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import meshing.fenicsx  # noqa: F401
import dolfinx.fem.petsc
import ufl
from dolfinx import fem
from petsc4py import PETSc

from solvers.fe.linear_solver import SolverDivergedError, SolverOptions, converged_reason

__all__ = ["NewtonOptions", "NonlinearSolver", "snes_reason"]

_SNES_REASONS = {getattr(PETSc.SNES.ConvergedReason, n): n for n in dir(PETSc.SNES.ConvergedReason) if n.isupper()}
_counter = itertools.count()

_METHODS = ("newtonls", "vinewtonrsls", "ksponly")
_LINESEARCHES = ("basic", "bt", "l2", "cp")


def snes_reason(reason: int) -> str:
    """PETSc's name of a SNES converged reason."""
    return _SNES_REASONS.get(reason, str(reason))


@dataclass(frozen=True)
class NewtonOptions:
    """Newton (SNES) settings.

    Parameters
    ----------
    method : {"newtonls", "vinewtonrsls", "ksponly"}
        Newton with line search, the reduced-space variational-inequality Newton (needs bounds),
        or one linear solve (a problem linear in ``u``: SNES ``ksponly``; fails with the KSP's reason).
    atol : float
        Absolute residual tolerance (the residual's units, e.g. GPa nm^dim for a force residual), >= 0.
    rtol : float
        Residual tolerance relative to the first residual, in [0, 1).
    stol : float
        Step tolerance relative to the solution, in [0, 1).
    max_iterations : int
        Newton iteration cap, > 0.
    linesearch : {"basic", "bt", "l2", "cp"}
        SNES line search ("basic": full Newton steps).
    linear : SolverOptions
        The linear solver of every Newton step.
    petsc_options : mapping
        Extra SNES/KSP options (without prefix), applied last.
    """

    method: str = "newtonls"
    atol: float = 1e-10
    rtol: float = 1e-9
    stol: float = 0.0
    max_iterations: int = 25
    linesearch: str = "basic"
    linear: SolverOptions = field(default_factory=lambda: SolverOptions(method="mumps"))
    petsc_options: Mapping[str, str | int | float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.method not in _METHODS:
            raise ValueError(f"newton method='{self.method}' is not known; allowed: {', '.join(_METHODS)}")
        if self.linesearch not in _LINESEARCHES:
            raise ValueError(f"newton linesearch='{self.linesearch}' is not known; allowed: {', '.join(_LINESEARCHES)}")
        if not self.atol >= 0:
            raise ValueError(f"newton atol={self.atol} must be >= 0")
        for name in ("rtol", "stol"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"newton {name}={getattr(self, name)} is outside the allowed range [0, 1)")
        if not (isinstance(self.max_iterations, int) and self.max_iterations > 0):
            raise ValueError(f"newton max_iterations={self.max_iterations!r} must be a positive integer")
        object.__setattr__(self, "petsc_options", MappingProxyType(dict(self.petsc_options)))

    def petsc(self) -> dict[str, str | int | float]:
        """SNES and KSP options (without prefix)."""
        options: dict[str, str | int | float] = {
            "snes_type": self.method,
            "snes_atol": self.atol,
            "snes_rtol": self.rtol,
            "snes_stol": self.stol,
            "snes_max_it": self.max_iterations,
            "snes_linesearch_type": self.linesearch,
        }
        linear = self.linear.petsc()
        linear.pop("mat_mumps_icntl_24", None)  # Newton problems carry their constraints: no null space
        options.update(linear)
        options.update(self.petsc_options)
        return options


class NonlinearSolver:
    """A nonlinear problem ``F(u; v) = 0`` solved by PETSc SNES.

    Parameters
    ----------
    F : ufl.Form
        Residual form, linear in the test function.
    u : dolfinx.fem.Function
        The unknown; its values are the initial guess and receive the solution.
    options : NewtonOptions
    J : ufl.Form, optional
        Jacobian form (default: the Gateaux derivative of ``F``).
    bcs : sequence of DirichletBC
    before_assembly : callable, optional
        Called with no argument at every Newton point, after ``u`` holds the iterate and
        before the residual or Jacobian is assembled.
    bounds : (Function, Function), optional
        Lower and upper bounds of ``u`` (same space), for ``method="vinewtonrsls"``.
    label : str
        What is solved, for error messages.
    lag_preconditioner : bool
        Build the preconditioner from a copy of the Jacobian taken at the first solve and after
        each :meth:`refresh_preconditioner` only (needs ``before_assembly``).
    """

    def __init__(
        self,
        F: ufl.Form,
        u: fem.Function,
        options: NewtonOptions,
        J: ufl.Form | None = None,
        bcs: Sequence[fem.DirichletBC] = (),
        before_assembly: Callable[[], None] | None = None,
        bounds: tuple[fem.Function, fem.Function] | None = None,
        label: str = "",
        lag_preconditioner: bool = False,
    ) -> None:
        if (bounds is None) == (options.method == "vinewtonrsls"):
            raise ValueError(f"newton method='{options.method}' " + ("needs bounds" if bounds is None else
                             "does not take bounds; use method='vinewtonrsls'"))
        self.prefix = f"amorfem_snes_{next(_counter)}_"
        self.label = label
        self.u = u
        self.problem = dolfinx.fem.petsc.NonlinearProblem(F, u, bcs=list(bcs), J=J, petsc_options_prefix=self.prefix)
        snes = self.problem.solver
        if lag_preconditioner and before_assembly is None:
            raise ValueError("lag_preconditioner needs before_assembly (the solver's own Jacobian callback)")
        self.preconditioner_setups = 0
        self._refresh = True
        self.preconditioner_matrix = dolfinx.fem.petsc.create_matrix(self.problem.J) if lag_preconditioner else None
        if before_assembly is not None:
            kinds = {"u": u, "residual": self.problem.F, "jacobian": self.problem.J, "bcs": list(bcs)}

            def residual(snes_, x, b):
                dolfinx.la.petsc._ghost_update(x, PETSc.InsertMode.INSERT, PETSc.ScatterMode.FORWARD)
                dolfinx.fem.petsc.assign(x, u)
                before_assembly()
                dolfinx.fem.petsc.assemble_residual(snes_, x, b, **kinds)

            def jacobian(snes_, x, A, P):
                dolfinx.la.petsc._ghost_update(x, PETSc.InsertMode.INSERT, PETSc.ScatterMode.FORWARD)
                dolfinx.fem.petsc.assign(x, u)
                before_assembly()
                lagged = self.preconditioner_matrix
                dolfinx.fem.petsc.assemble_jacobian(snes_, x, A, None if lagged is not None else P, u=u,
                                                    jacobian=self.problem.J, preconditioner=self.problem.preconditioner,
                                                    bcs=list(bcs))
                if self._linear:
                    self._tolerance_against_rhs(snes_, x, A)
                if lagged is not None and self._refresh:
                    dolfinx.fem.petsc.assemble_jacobian(snes_, x, lagged, None, u=u, jacobian=self.problem.J,
                                                        preconditioner=None, bcs=list(bcs))
                    self._refresh = False
                    self.preconditioner_setups += 1

            snes.setFunction(residual, self.problem.b)
            snes.setJacobian(jacobian, self.problem.A, self.preconditioner_matrix or self.problem.P_mat)
        self._keys = [f"{self.prefix}{key}" for key in options.petsc()]
        db = PETSc.Options()
        for key, value in options.petsc().items():
            db[f"{self.prefix}{key}"] = value
        snes.setFromOptions()
        self._linear = options.method == "ksponly" and before_assembly is not None
        self._configured_atol = snes.getKSP().getTolerances()[1]
        self.rhs_rtol: float | None = None
        self._work = None
        if bounds is not None:
            snes.setVariableBounds(bounds[0].x.petsc_vec, bounds[1].x.petsc_vec)

    def _tolerance_against_rhs(self, snes: PETSc.SNES, x: PETSc.Vec, A: PETSc.Mat) -> None:
        """The KSP's absolute tolerance: ``rhs_rtol ||J x - F(x)||`` (F computed at ``x`` just before), or the
        configured one."""
        ksp = snes.getKSP()
        if self.rhs_rtol is None:
            ksp.setTolerances(atol=self._configured_atol)
            return
        if self._work is None:
            self._work = x.duplicate()
        A.mult(x, self._work)
        self._work.axpy(-1.0, self.problem.b)
        ksp.setTolerances(atol=self.rhs_rtol * self._work.norm())

    def refresh_preconditioner(self) -> None:
        """Build the preconditioner anew from the Jacobian of the next solve (``lag_preconditioner``)."""
        self._refresh = True

    @property
    def snes(self) -> PETSc.SNES:
        """The PETSc SNES."""
        return self.problem.solver

    def solve(self) -> int:
        """Solve from the current ``u``; return the Newton iterations.

        Raises
        ------
        SolverDivergedError
            With SNES's converged reason (and its last KSP's) when Newton fails.
        """
        self.problem.solve()
        snes = self.snes
        reason = snes.getConvergedReason()
        if reason <= 0:
            ksp = snes.getKSP()
            raise SolverDivergedError(
                f"Newton solve {self.label} did not converge: SNES reason {snes_reason(reason)} after "
                f"{snes.getIterationNumber()} iterations (residual {snes.getFunctionNorm():.3e}; last linear solve: "
                f"{converged_reason(ksp.getConvergedReason())})"
            )
        self.u.x.scatter_forward()
        return snes.getIterationNumber()

    def destroy(self) -> None:
        """Remove this problem's options from PETSc's database (the problem frees its own objects)."""
        db = PETSc.Options()
        for key in self._keys:
            db.delValue(key)
        if self._work is not None:
            self._work.destroy()
            self._work = None
        if self.preconditioner_matrix is not None:
            self.preconditioner_matrix.destroy()
            self.preconditioner_matrix = None
