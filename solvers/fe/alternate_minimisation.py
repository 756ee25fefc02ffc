"""Alternate minimisation of a phase-field fracture energy in one load step.

At fixed load the energy ``E(u, d)`` is minimised in turn over the displacement ``u`` (at fixed
damage: a Newton solve of the damaged elastic laws, e.g. :meth:`MacroStrainProblem.solve`) and
over the damage ``d`` (at fixed ``u``: the bound-constrained problem of
:class:`~solvers.fe.phase_field.DamageField`), until the damage stops changing:

    max |d_k - d_(k-1)| <= tolerance        (every node, every rank)

and then once more over ``u``, so that the reported state is in equilibrium with the final
damage. Each plain pass cannot raise the energy, so the iteration converges, but slowly where a
crack runs unstably at fixed load: every pass advances it by about one cell.

Acceleration (optional, :class:`StaggeredSettings`): the pass is a fixed-point map ``d -> G(d)``
(displacement solve, then damage solve), and its residual ``G(d) - d`` is what the tolerance
measures. Over-relaxation moves ``d`` by ``relaxation x (G(d) - d)``; Anderson mixing of depth
``m`` takes the combination of the last ``m`` passes that minimises the residual (Walker & Ni
2011; for phase-field fracture, Storvik et al. 2021). Both are clipped to the damage bounds, so
irreversibility holds, and both leave the fixed points, hence the converged state, unchanged.
Pure control logic: the solves are passed in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from mpi4py import MPI

from solvers.fe.linear_solver import SolverDivergedError
from solvers.fe.phase_field import DamageField

__all__ = ["StaggeredSettings", "StaggeredReport", "AndersonMixing", "alternate_minimisation"]

log = logging.getLogger("amorfem.solvers")


@dataclass(frozen=True)
class StaggeredSettings:
    """Convergence of the alternate minimisation.

    Parameters
    ----------
    tolerance : float
        Largest nodal damage change between two passes at convergence, in (0, 0.1).
    max_iterations : int
        Passes before the step is declared not converged (and cut), > 0.
    relaxation : float
        Over-relaxation factor in [1, 2) (1: none).
    anderson : int
        Depth of Anderson mixing, 0 (off) to 20.
    """

    tolerance: float = 1e-4
    max_iterations: int = 500
    relaxation: float = 1.0
    anderson: int = 3

    def __post_init__(self) -> None:
        if not 0 < self.tolerance < 0.1:
            raise ValueError(f"staggered tolerance={self.tolerance} is outside the allowed range (0, 0.1)")
        if not (isinstance(self.max_iterations, int) and self.max_iterations > 0):
            raise ValueError(f"staggered max_iterations={self.max_iterations!r} must be a positive integer")
        if not 1.0 <= self.relaxation < 2.0:
            raise ValueError(f"staggered relaxation={self.relaxation} is outside the allowed range [1, 2)")
        if not (isinstance(self.anderson, int) and 0 <= self.anderson <= 20):
            raise ValueError(f"staggered anderson={self.anderson!r} is outside the allowed range 0..20 (an integer)")


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
    partial: bool = False          # converged short of the step's target (a dissipation bound held it)


class AndersonMixing:
    """Anderson mixing (type II) of a fixed-point iteration ``x -> G(x)`` on distributed arrays.

    Parameters
    ----------
    depth : int
        Number of past passes combined (> 0).
    relaxation : float
        Mixing factor applied to the residual (1: plain Anderson).
    owned : int
        Number of owned entries of the local arrays (ghosts follow from the same coefficients).
    comm : MPI.Comm
    """

    def __init__(self, depth: int, relaxation: float, owned: int, comm: MPI.Comm) -> None:
        self.depth, self.relaxation, self.owned, self.comm = depth, relaxation, owned, comm
        self._x: list[np.ndarray] = []
        self._f: list[np.ndarray] = []

    def restart(self) -> None:
        """Forget the past passes (the next update is a plain relaxed step)."""
        self._x.clear()
        self._f.clear()

    def update(self, x: np.ndarray, image: np.ndarray) -> np.ndarray:
        """The next iterate from the current one ``x`` and its image ``G(x)`` (local arrays)."""
        f = image - x
        self._x.append(x.copy())
        self._f.append(f)
        if len(self._x) > self.depth + 1:
            self._x.pop(0)
            self._f.pop(0)
        step = self.relaxation * f
        if len(self._f) == 1:
            return x + step
        dF = np.stack([b - a for a, b in zip(self._f[:-1], self._f[1:])], axis=1)     # residual differences
        dX = np.stack([b - a for a, b in zip(self._x[:-1], self._x[1:])], axis=1)     # iterate differences
        n = self.owned
        gram = self.comm.allreduce(dF[:n].T @ dF[:n], op=MPI.SUM)
        rhs = self.comm.allreduce(dF[:n].T @ f[:n], op=MPI.SUM)
        scale = np.trace(gram) / len(gram) if gram.size else 0.0
        if scale <= 0:
            return x + step
        gamma = np.linalg.solve(gram + 1e-10 * scale * np.eye(len(gram)), rhs)
        return x + step - (dX + self.relaxation * dF) @ gamma


def alternate_minimisation(solve_displacement: Callable[[], object], damage: DamageField,
                           settings: StaggeredSettings, observe: Callable[[int], None] | None = None,
                           damage_step: Callable[[], int] | None = None) -> StaggeredReport:
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
    damage_step : callable, optional
        Replaces the damage minimisation at the last displacement (``set_driving`` then
        ``solve``); returns SNES iterations (e.g. :meth:`DissipationBound.damage_step`).

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
    accelerate = settings.anderson > 0 or settings.relaxation != 1.0
    mixing = AndersonMixing(settings.anderson, settings.relaxation, damage.space.dofmap.index_map.size_local,
                            damage.body.comm) if accelerate else None
    for iteration in range(1, settings.max_iterations + 1):
        report.iterations = iteration
        previous = damage.d.x.array.copy()
        start = MPI.Wtime()
        try:
            if damage_step is None:
                damage.set_driving()
                report.damage_iterations += damage.solve()
            else:
                report.damage_iterations += damage_step()
        except SolverDivergedError as exc:
            report.reason = f"damage: {exc}"
            return report
        finally:
            report.seconds["damage"] += MPI.Wtime() - start
        change = damage.max_change(previous)
        report.changes.append(change)
        if damage.body.comm.rank == 0:
            log.debug("alternate minimisation: pass %d, damage change %.3e", iteration, change)
        if mixing is not None and change > settings.tolerance:
            if len(report.changes) > 1 and change > report.changes[-2]:
                mixing.restart()  # the mixed step did not reduce the residual: start afresh from here
            damage.set_within_bounds(mixing.update(previous, damage.d.x.array))
        if change > 0 and not displacement():
            return report
        if change <= settings.tolerance:
            report.converged = True
            return report
    report.reason = (f"alternate minimisation did not converge in {settings.max_iterations} passes "
                     f"(last damage change {report.changes[-1]:.3e})")
    return report
