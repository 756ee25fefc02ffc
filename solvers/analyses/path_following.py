"""Following a load path in pseudo-time: adaptive steps, a curve, fields and checkpoints.

Shared by the analyses that load a body step by step (strength, toughness). The problem solves
one step at a time (:class:`SteppedProblem`); :func:`follow_path` proposes the steps
(:class:`~solvers.fe.load_stepping.LoadStepper`: cut on failure, grow on easy steps), predicts
each from the last two accepted states, records the accepted ones, writes the curve and the
fields when due, saves a checkpoint after every ``checkpoint_every`` accepted steps, and on a
restart resumes from the last checkpoint of the same run key. Rank 0 logs and writes shared
files.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

import meshing.fenicsx  # noqa: F401
from dolfinx import fem

from solvers.fe.checkpoint import Checkpoint
from solvers.fe.load_stepping import LoadStepper, StepSettings
from solvers.micromechanics.atomic_files import write_text_atomic
from solvers.micromechanics.voigt import voigt_labels

__all__ = ["SteppedProblem", "StepReport", "PathOutput", "PathRun", "PathResult", "follow_path", "path_output", "path_result_fields",
           "write_curve_csv"]

log = logging.getLogger("amorfem.solvers")


class StepReport(Protocol):
    """What a step solve reports (e.g. :class:`~solvers.fe.macro_newton.NewtonReport`)."""

    converged: bool
    iterations: int
    reason: str
    seconds: dict[str, float]


class SteppedProblem(Protocol):
    """A body loaded along a pseudo-time path, one step at a time."""

    def solve_to(self, t: float) -> StepReport:
        """Solve the step to pseudo-time ``t`` from the current state (left at its last iterate)."""

    def commit(self) -> None:
        """Accept the current state."""

    def restore(self) -> None:
        """Go back to the last accepted state."""

    def committed_arrays(self) -> dict[str, np.ndarray]:
        """Copies of this rank's accepted unknowns that :meth:`predict` extrapolates."""

    def predict(self, previous: dict[str, np.ndarray] | None, ratio: float) -> None:
        """Extrapolate the unknowns from ``previous`` through the accepted state (``ratio``: new step / last step)."""

    def save_arrays(self) -> dict[str, np.ndarray]:
        """This rank's accepted state for a checkpoint (unknowns and quadrature state)."""

    def load_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        """Set the accepted state from :meth:`save_arrays` output of the same mesh and ranks."""


@dataclass(frozen=True)
class PathOutput:
    """What is written along the path (all of it only with a ``directory``).

    Parameters
    ----------
    directory : pathlib.Path or None
        Results folder (``checkpoint/`` goes there).
    write_curve : callable
        ``() -> None``; rank 0 writes the curve file (called after every accepted step).
    write_fields : callable
        ``(step) -> str``: writes the fields of the accepted state (all ranks), returns the file.
    fields_at : tuple of float
        Values of ``curve[fields_key]`` at which to write fields (the first step past each).
    fields_every : int
        Also every this many accepted steps (0: never).
    checkpoint_every : int
        Accepted steps between checkpoints.
    fields_key : str
        The curve column ``fields_at`` refers to.
    """

    directory: Path | None
    write_curve: Callable[[], None]
    write_fields: Callable[[int], str]
    fields_at: tuple[float, ...] = ()
    fields_every: int = 0
    checkpoint_every: int = 1
    fields_key: str = "loaded_strain"


def path_output(directory: Path | None, settings, mesh, curve: dict[str, list], columns: tuple[str, ...], note: str,
                displacement: Callable[[], Any], cell_state: Callable[[], dict[str, np.ndarray]]) -> PathOutput:
    """The output of an RVE path analysis: ``curve.csv`` (:func:`write_curve_csv`) and fields in
    ``steps/step_NNNN/`` (the displacement and the cell state), when ``settings``
    (:class:`~solvers.analyses.load_path.LoadPathSettings`) say."""
    from solvers.fe.io import write_fields

    def write_step_fields(step: int) -> str:
        name = f"step_{step:04d}"
        write_fields(directory / "steps", mesh, [displacement()], cell_state(), name=name)
        return f"steps/{name}/{name}.vtm"

    return PathOutput(directory=directory, write_fields=write_step_fields,
                      write_curve=lambda: write_curve_csv(directory / "curve.csv", curve, columns, note),
                      fields_at=settings.fields_at, fields_every=settings.fields_every,
                      checkpoint_every=settings.checkpoint_every)


@dataclass
class PathRun:
    """The outcome of :func:`follow_path`."""

    written: list[dict[str, Any]] = field(default_factory=list)
    resumed_from: int | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    stopped_early: bool = False


@dataclass(frozen=True, eq=False, kw_only=True)
class PathResult:
    """What every run along a load path returns besides its own numbers.

    Attributes
    ----------
    curve : dict of str to list
        Per accepted step (its columns are the analysis's).
    timings : dict of str to float
        Wall seconds by part, and ``total``.
    steps_written : list of dict
        Fields written along the path: ``{"step", "loaded_strain", "file"}``.
    dofs, ranks : int
    volume_fractions : dict of str to float
    density : float
        Mass density of the design (g/cm^3).
    resumed_from : int or None
        The step a resumed run started from.
    point_fields, cell_fields
        Final state for the VTK output.
    """

    curve: dict[str, list]
    timings: dict[str, float]
    steps_written: list[dict[str, Any]]
    dofs: int
    ranks: int
    volume_fractions: dict[str, float]
    density: float
    resumed_from: int | None = None
    point_fields: tuple[fem.Function, ...] = field(default=(), repr=False)
    cell_fields: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def common_summary(self) -> dict[str, Any]:
        """The JSON-ready part every path analysis writes (curve, design, cost)."""
        return {"curve": self.curve, "volume_fractions": self.volume_fractions, "density": self.density,
                "dofs": self.dofs, "ranks": self.ranks, "timings": self.timings}


def path_result_fields(rve, materials, problem, run: PathRun) -> dict[str, Any]:
    """The :class:`PathResult` fields that every RVE path analysis fills the same way (besides
    ``curve``, ``timings`` and ``cell_fields``): written steps, size, design, resume, displacement."""
    return {"steps_written": run.written, "dofs": problem.parent.dofmap.index_map.size_global * rve.dim,
            "ranks": rve.comm.size, "volume_fractions": dict(rve.volume_fractions),
            "density": float(sum(f * materials[p].density for p, f in rve.volume_fractions.items())),
            "resumed_from": run.resumed_from, "point_fields": (problem.displacement(),)}


def write_curve_csv(path: Path, curve: dict[str, list], columns: tuple[str, ...], note: str) -> None:
    """Write a curve as CSV (atomically): ``columns``, then the 6 lab strains and stresses (GPa).

    ``note`` is the first line's comment (what the curve is, its units).
    """
    labels = voigt_labels(3)
    header = list(columns) + [f"E{l}" for l in labels] + [f"S{l}_GPa" for l in labels]
    rows = [",".join(f"{v:.10g}" for v in [curve[c][k] for c in columns] + list(curve["strain"][k])
                     + list(curve["stress"][k])) for k in range(len(curve["t"]))]
    write_text_atomic(path, f"# {note}\n" + ",".join(header) + "\n" + "\n".join(rows) + "\n")


def follow_path(problem: SteppedProblem, steps: StepSettings, knots, curve: dict[str, list],
                record: Callable[[float, Any], None], output: PathOutput, run_key: str, comm, name: str,
                describe: Callable[[], str] = lambda: "", stop: Callable[[], bool] | None = None) -> PathRun:
    """Load ``problem`` from its current state to the end of the path (or until ``stop()``).

    Parameters
    ----------
    problem : SteppedProblem
    steps : StepSettings
    knots : array-like
        Pseudo-times the steps must land on.
    curve : dict of str to list
        The curve, with its initial point already recorded; extended in place (replaced by the
        checkpoint's on a resume).
    record : callable
        ``(t, report) -> None``: appends the accepted state to ``curve``.
    output : PathOutput
    run_key : str
        Identity of the run; only checkpoints of the same key are resumed.
    comm : MPI.Comm
    name : str
        The analysis, for the log.
    describe : callable
        ``() -> str``: what to log of the last accepted step.
    stop : callable, optional
        ``() -> bool``: end the path early after an accepted step (e.g. a complete loss of load).

    A converged report with ``partial = True`` is an equilibrium state short of its target: it
    is committed and recorded (at the last accepted pseudo-time) and the same target is tried
    again from it.

    Returns
    -------
    PathRun

    Raises
    ------
    StepTooSmallError
        When a step cannot converge even at the minimum step size.
    """
    checkpoint = Checkpoint(output.directory / "checkpoint", run_key, comm) if output.directory is not None else None
    stepper = LoadStepper(steps, knots)
    previous: dict[str, np.ndarray] | None = None
    last_step = 0.0
    run = PathRun()
    pending = sorted(output.fields_at)
    restored = checkpoint.load() if checkpoint is not None else None
    if restored is not None:
        arrays, state = restored
        problem.load_arrays({k: v for k, v in arrays.items() if not k.startswith("previous::")})
        previous = {k[len("previous::"):]: v for k, v in arrays.items() if k.startswith("previous::")} or None
        curve.clear()
        curve.update(state["curve"])
        stepper = LoadStepper(steps, knots, t=state["t"], step=state["step"])
        run.written, pending, last_step = state["written"], state["pending"], state["last_step"]
        run.resumed_from = len(curve["t"]) - 1
        if comm.rank == 0:
            log.info("%s: resumed from step %d (pseudo-time %.4g)", name, run.resumed_from, stepper.t)
    seconds: dict[str, float] = {}
    while not stepper.done:
        t = stepper.proposal()
        ratio = (t - stepper.t) / last_step if last_step > 0 else 0.0
        problem.predict(previous, ratio)
        report = problem.solve_to(t)
        for key, value in report.seconds.items():
            seconds[key] = seconds.get(key, 0.0) + value
        if not report.converged:
            problem.restore()
            if comm.rank == 0:
                log.info("%s: step to t=%.5g cut (%s)", name, t, report.reason)
            stepper.reject(t, report.reason)
            continue
        previous = problem.committed_arrays()
        partial = getattr(report, "partial", False)
        if not partial:
            last_step = t - stepper.t
        problem.commit()
        if partial:
            # an equilibrium state short of t (e.g. a dissipation bound held it): keep it, try t again
            record(stepper.t, report)
        else:
            stepper.accept(t, report.iterations)
            record(t, report)
        step = len(curve["t"]) - 1
        if comm.rank == 0:
            log.info("%s: step %d t=%.4f %s", name, step, t, describe())
        finished = stepper.done or (stop is not None and stop())
        if output.directory is not None:
            due = output.fields_every and step % output.fields_every == 0
            while pending and curve[output.fields_key][-1] >= pending[0] - 1e-12:
                pending.pop(0)
                due = True
            if due or finished:
                run.written.append({"step": step, output.fields_key: curve[output.fields_key][-1],
                                    "file": output.write_fields(step)})
            if comm.rank == 0:
                output.write_curve()
            if step % output.checkpoint_every == 0 or finished:
                arrays = problem.save_arrays()
                arrays.update({f"previous::{k}": v for k, v in previous.items()})
                checkpoint.save(arrays, {"curve": curve, "t": stepper.t, "step": stepper.step, "written": run.written,
                                         "pending": pending, "last_step": last_step})
        if finished:
            run.stopped_early = not stepper.done
            break
    if output.directory is not None and not any(w["step"] == len(curve["t"]) - 1 for w in run.written):
        step = len(curve["t"]) - 1
        run.written.append({"step": step, output.fields_key: curve[output.fields_key][-1], "file": output.write_fields(step)})
    run.seconds = seconds
    return run
