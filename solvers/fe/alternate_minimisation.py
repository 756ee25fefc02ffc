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
Inexact passes (``StaggeredSettings.inexact``, default off): the displacement solves between the
first one of a step and the last one (after the damage has settled) are loose (an iterative solve
to a relative residual of 1e-6 of the right-hand side instead of the full accuracy, where the
solve offers it). The first and the last solve are full-accuracy, so the step starts from and
ends at an equilibrium to the full accuracy; in between the passes keep one accuracy, so the
fixed-point map that Anderson mixing extrapolates does not change under it. Loose passes need not
lower the energy, though: on a displacement-controlled step that cracks stably, the last state
can hold about 1e-8 of the work more than the first, which the released energy (the drop from
the first pass to the last, never negative) cannot book. So they are meant for paths followed
through equilibria (opening control), where nothing is released.

Accelerated passes can circle instead of converging: near an unstable equilibrium (a crack about
to jump) mixing keeps the damage close to the saddle, and a node whose damage flips between two
values keeps over-relaxed passes from settling. When 20 passes bring no progress (:func:`stalled`)
while the damage changes by less than 1e-2 per pass, the step goes on with plain passes, which
cannot raise the energy and so leave a saddle and settle.

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

__all__ = ["StaggeredSettings", "StaggeredReport", "AndersonMixing", "alternate_minimisation", "stalled"]

log = logging.getLogger("amorfem.solvers")

PROGRESS_EVERY = 25   # passes between progress lines of a long step (rank 0, INFO)
STALL_WINDOW = 10     # passes compared by `stalled`
STALL_CEILING = 1e-2  # damage changes above this are a crack front moving, not a stall


def stalled(changes: list[float], window: int = STALL_WINDOW, ceiling: float = STALL_CEILING) -> bool:
    """Accelerated passes that make no progress: the smallest damage change of the last ``window``
    passes is not half that of the ``window`` before, and the last change is below ``ceiling``
    (larger changes are a crack front still running, which mixing speeds up)."""
    if len(changes) < 2 * window or changes[-1] >= ceiling:
        return False
    return min(changes[-window:]) > 0.5 * min(changes[-2 * window:-window])


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
    inexact : bool
        Loose displacement solves between the first and the last solve of a step.
    """

    tolerance: float = 1e-4
    max_iterations: int = 500
    relaxation: float = 1.0
    anderson: int = 3
    inexact: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.tolerance < 0.1:
            raise ValueError(f"staggered tolerance={self.tolerance} is outside the allowed range (0, 0.1)")
        if not (isinstance(self.max_iterations, int) and self.max_iterations > 0):
            raise ValueError(f"staggered max_iterations={self.max_iterations!r} must be a positive integer")
        if not 1.0 <= self.relaxation < 2.0:
            raise ValueError(f"staggered relaxation={self.relaxation} is outside the allowed range [1, 2)")
        if not (isinstance(self.anderson, int) and 0 <= self.anderson <= 20):
            raise ValueError(f"staggered anderson={self.anderson!r} is outside the allowed range 0..20 (an integer)")
        if not isinstance(self.inexact, bool):
            raise ValueError(f"staggered inexact={self.inexact!r} must be true or false")


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
    plain_from: int | None = None  # the pass from which acceleration was dropped (it stalled), if it was


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
                           damage_step: Callable[[], int] | None = None,
                           set_inexact: Callable[[bool], None] | None = None) -> StaggeredReport:
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
    set_inexact : callable, optional
        ``loose -> None``: switches the displacement solves between loose and full accuracy
        (e.g. :meth:`SpecimenProblem.set_inexact`); used when ``settings.inexact``.

    Returns
    -------
    StaggeredReport
        Not converged when a solve fails or the passes run out (the caller cuts the step).
    """
    report = StaggeredReport()
    inexact = set_inexact if settings.inexact else None

    def displacement() -> bool:
        start = MPI.Wtime()
        if inexact is not None:
            inexact(bool(report.changes) and report.changes[-1] > settings.tolerance)  # not the first, not the last
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

    try:
        return _passes(displacement, damage, settings, damage_step, report, inexact is not None)
    finally:
        if inexact is not None:
            inexact(False)


def _passes(displacement: Callable[[], bool], damage: DamageField, settings: StaggeredSettings,
            damage_step: Callable[[], int] | None, report: StaggeredReport, inexact: bool) -> StaggeredReport:
    """The passes of :func:`alternate_minimisation` (``displacement()`` solves and records one displacement;
    with ``inexact``, the solve after a pass whose change exceeded the tolerance was loose, and the
    converged state must not keep it)."""
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
            if iteration % PROGRESS_EVERY == 0:  # a crack jump can take minutes: show that it moves
                log.info("alternate minimisation: pass %d, damage change %.3e (tolerance %.1e)", iteration, change,
                         settings.tolerance)
        if mixing is not None and change > settings.tolerance and stalled(report.changes):
            mixing = None      # accelerated passes circling (a saddle, a flip-flopping node): plain, monotone passes
            report.plain_from = iteration
            if damage.body.comm.rank == 0:
                log.info("alternate minimisation: no progress in %d passes (damage change %.3e): plain passes from "
                         "pass %d", 2 * STALL_WINDOW, change, iteration)
        if mixing is not None and change > settings.tolerance:
            if len(report.changes) > 1 and change > report.changes[-2]:
                mixing.restart()  # the mixed step did not reduce the residual: start afresh from here
            damage.set_within_bounds(mixing.update(previous, damage.d.x.array))
        last_was_loose = inexact and len(report.changes) > 1 and report.changes[-2] > settings.tolerance
        if (change > 0 or last_was_loose) and not displacement():
            return report
        if change <= settings.tolerance:
            report.converged = True
            return report
    report.reason = (f"alternate minimisation did not converge in {settings.max_iterations} passes "
                     f"(last damage change {report.changes[-1]:.3e})")
    return report
