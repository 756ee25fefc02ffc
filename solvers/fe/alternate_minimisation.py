"""Alternate minimisation of a phase-field fracture energy in one load step.

At fixed load the energy ``E(u, d)`` is minimised in turn over the displacement ``u`` (at fixed
damage: a Newton solve of the damaged elastic laws, e.g. :meth:`MacroStrainProblem.solve`) and
over the damage ``d`` (at fixed ``u``: the bound-constrained problem of
:class:`~solvers.fe.phase_field.DamageField`), until the damage stops changing:

    max |d_k - d_(k-1)| <= tolerance        (every node, every rank)

and then once more over ``u``, so that the reported state is in equilibrium with the final
damage. Each pass cannot raise the energy, so the iteration converges (slowly where a crack runs
unstably at fixed load, which is why the iteration cap is large). Pure control logic: the solves
are passed in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mpi4py import MPI

from solvers.fe.linear_solver import SolverDivergedError
from solvers.fe.phase_field import DamageField

__all__ = ["StaggeredSettings", "StaggeredReport", "alternate_minimisation"]


@dataclass(frozen=True)
class StaggeredSettings:
    """Convergence of the alternate minimisation.

    Parameters
    ----------
    tolerance : float
        Largest nodal damage change between two passes at convergence, in (0, 0.1).
    max_iterations : int
        Passes before the step is declared not converged (and cut), > 0.
    """

    tolerance: float = 1e-4
    max_iterations: int = 500

    def __post_init__(self) -> None:
        if not 0 < self.tolerance < 0.1:
            raise ValueError(f"staggered tolerance={self.tolerance} is outside the allowed range (0, 0.1)")
        if not (isinstance(self.max_iterations, int) and self.max_iterations > 0):
            raise ValueError(f"staggered max_iterations={self.max_iterations!r} must be a positive integer")


@dataclass
class StaggeredReport:
    """How a load step's alternate minimisation went."""

    converged: bool = False
    iterations: int = 0
    newton: int = 0
    krylov: int = 0
    damage_iterations: int = 0
    changes: list[float] = field(default_factory=list)
    reason: str = ""
    seconds: dict[str, float] = field(default_factory=lambda: {"displacement": 0.0, "damage": 0.0})


def alternate_minimisation(solve_displacement: Callable[[], object], damage: DamageField,
                           settings: StaggeredSettings, observe: Callable[[int], None] | None = None) -> StaggeredReport:
    """Alternate displacement and damage solves from the current state until the damage settles.

    Parameters
    ----------
    solve_displacement : callable
        Solves the displacement at the damage last pushed to the laws; returns a report with
        ``converged``, ``iterations``, ``krylov`` and ``reason`` (a :class:`NewtonReport`).
    damage : DamageField
    settings : StaggeredSettings
    observe : callable, optional
        Called with the number of damage solves so far after every converged displacement solve
        (0: the first one, at the damage the step started from).

    Returns
    -------
    StaggeredReport
        Not converged when a solve fails or the passes run out (the caller cuts the step).
    """
    report = StaggeredReport()

    def displacement() -> bool:
        start = MPI.Wtime()
        damage.push_to_laws()
        result = solve_displacement()
        report.seconds["displacement"] += MPI.Wtime() - start
        report.newton += result.iterations
        report.krylov += int(sum(result.krylov))
        if not result.converged:
            report.reason = f"displacement: {result.reason}"
        elif observe is not None:
            observe(report.iterations)
        return result.converged

    if not displacement():
        return report
    for iteration in range(1, settings.max_iterations + 1):
        report.iterations = iteration
        previous = damage.d.x.array.copy()
        start = MPI.Wtime()
        damage.set_driving()
        try:
            report.damage_iterations += damage.solve()
        except SolverDivergedError as exc:
            report.reason = f"damage: {exc}"
            return report
        finally:
            report.seconds["damage"] += MPI.Wtime() - start
        change = damage.max_change(previous)
        report.changes.append(change)
        if change > 0 and not displacement():
            return report
        if change <= settings.tolerance:
            report.converged = True
            return report
    report.reason = (f"alternate minimisation did not converge in {settings.max_iterations} passes "
                     f"(last damage change {report.changes[-1]:.3e})")
    return report
