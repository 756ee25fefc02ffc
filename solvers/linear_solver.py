"""Thin wrapper over a PETSc KSP: options by prefix, one setup, checked solves."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import meshing.fenicsx  # noqa: F401
from petsc4py import PETSc

__all__ = ["SolverOptions", "LinearSolver", "SolverDivergedError"]

_REASONS = {getattr(PETSc.KSP.ConvergedReason, n): n for n in dir(PETSc.KSP.ConvergedReason) if n.isupper()}
_counter = itertools.count()

METHODS = ("cg-gamg", "mumps")


class SolverDivergedError(RuntimeError):
    """A linear solve that did not converge; the message carries PETSc's reason."""


@dataclass(frozen=True)
class SolverOptions:
    """Linear solver choice.

    Parameters
    ----------
    method : {"cg-gamg", "mumps"}
        Conjugate gradients with smoothed-aggregation AMG (near-null space attached), or a
        direct MUMPS factorisation (best for small or very ill-conditioned problems).
    rtol : float
        Relative residual tolerance of CG, in (0, 1). Effective moduli come from an energy
        form whose error is quadratic in the solver error: measured on a 3.2e5-dof P2 sphere
        RVE, rtol 1e-5 gives C to 4e-10 and 1e-6 to ~1e-11 relative (against 1e-8).
    max_iterations : int
        Krylov iteration cap.
    petsc_options : mapping
        Extra PETSc options (without prefix), applied last.
    """

    method: str = "cg-gamg"
    rtol: float = 1e-6
    max_iterations: int = 2000
    petsc_options: Mapping[str, str | int | float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"solver method='{self.method}' is not known; allowed: {', '.join(METHODS)}")
        if not (0 < self.rtol < 1):
            raise ValueError(f"solver rtol={self.rtol} is outside the allowed range (0, 1)")
        if not (isinstance(self.max_iterations, int) and self.max_iterations > 0):
            raise ValueError(f"solver max_iterations={self.max_iterations!r} must be a positive integer")
        object.__setattr__(self, "petsc_options", MappingProxyType(dict(self.petsc_options)))

    def petsc(self, singular: bool) -> dict[str, str | int | float]:
        """PETSc options for this choice; ``singular`` when the operator has a null space."""
        if self.method == "mumps":
            options: dict[str, str | int | float] = {
                "ksp_type": "preonly",
                "pc_type": "lu",
                "pc_factor_mat_solver_type": "mumps",
            }
            if singular:
                options["mat_mumps_icntl_24"] = 1  # detect null pivots: solve the singular system
        else:
            options = {
                "ksp_type": "cg",
                "ksp_rtol": self.rtol,
                "ksp_max_it": self.max_iterations,
                "pc_type": "gamg",
                "pc_gamg_type": "agg",
                "pc_gamg_agg_nsmooths": 1,
                "pc_gamg_threshold": 0.01,  # measured: P2 iterations 33 -> 25, total -6 %
                "mg_levels_ksp_type": "chebyshev",
                "mg_levels_pc_type": "jacobi",
            }
        options.update(self.petsc_options)
        return options


class LinearSolver:
    """A KSP for one operator, set up once and reused for every right-hand side.

    Parameters
    ----------
    A : petsc4py.PETSc.Mat
        Operator (with null and near-null spaces attached by the caller).
    options : SolverOptions
    singular : bool
        True when ``A`` has a null space (attached with ``A.setNullSpace``).
    """

    def __init__(self, A: PETSc.Mat, options: SolverOptions, singular: bool) -> None:
        self.prefix = f"amorfem_{next(_counter)}_"
        self.ksp = PETSc.KSP().create(A.getComm())
        self.ksp.setOperators(A)
        self.ksp.setOptionsPrefix(self.prefix)
        self._keys = [f"{self.prefix}{key}" for key in options.petsc(singular)]
        db = PETSc.Options()
        for key, value in options.petsc(singular).items():
            db[f"{self.prefix}{key}"] = value
        self.ksp.setFromOptions()
        self.null_space = A.getNullSpace() if singular else None

    def setup(self) -> None:
        """Build the preconditioner (AMG hierarchy or factorisation).

        The options stay in PETSc's database until here: the multigrid levels read theirs
        (``mg_levels_*``) only when the hierarchy is built.
        """
        self.ksp.setUp()
        db = PETSc.Options()
        for key in self._keys:
            db.delValue(key)

    def solve(self, b: PETSc.Vec, x: PETSc.Vec, label: str = "") -> int:
        """Solve ``A x = b``; return the iteration count.

        Raises
        ------
        SolverDivergedError
            With PETSc's converged reason when the solve fails.
        """
        if self.null_space is not None:
            self.null_space.remove(b)
        self.ksp.solve(b, x)
        reason = self.ksp.getConvergedReason()
        iterations = self.ksp.getIterationNumber()
        if reason < 0:
            raise SolverDivergedError(
                f"linear solve {label} did not converge: PETSc reason {_REASONS.get(reason, reason)} "
                f"after {iterations} iterations (residual {self.ksp.getResidualNorm():.3e})"
            )
        if self.null_space is not None:
            self.null_space.remove(x)
        return iterations

    def destroy(self) -> None:
        """Free the KSP."""
        self.ksp.destroy()
