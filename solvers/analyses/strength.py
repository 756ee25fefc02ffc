"""Strength of an RVE: plasticity of its phases under a mixed macroscopic load path (``type = "strength"``).

Phases whose material carries yield data (:mod:`solvers.micromechanics.plasticity`) yield
(:mod:`solvers.fe.plasticity`); the others stay elastic. The periodic RVE follows a path of
macroscopic strains in some components while the others hold a stress (usually 0), solved step
by step by the condensed Newton of :mod:`solvers.fe.macro_newton` with adaptive steps
(:mod:`solvers.fe.load_stepping`). After every accepted step the curve is written
(``curve.csv``) and a checkpoint saved, so a killed run resumes where it stopped.

Reported (GPa; MJ/m^3 for work): the macroscopic stress-strain curve, the 0.2 %-offset yield
strength, the peak strength and the strain at peak, the work per unit volume to a chosen strain,
the energy balance (external work against stored elastic energy plus plastic work), and fields
(displacement, von Mises stress, equivalent plastic strain) at chosen strains and at the end.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI

from solvers.analyses.load_path import LOAD_PATH_KEYS, LoadPathSettings, check_load_path, path_parameters
from solvers.analyses.path_following import PathResult, follow_path, path_output, path_result_fields
from solvers.analyses.registry import Analysis, AnalysisInputs, register
from solvers.fe.body import owned_phase_tags
from solvers.fe.linear_solver import SolverOptions
from solvers.fe.load_stepping import StepTooSmallError
from solvers.fe.macro_newton import MacroStrainProblem, NewtonReport
from solvers.fe.plasticity import laws_for
from solvers.micromechanics.stress_strain import CurveMetrics, curve_metrics
from solvers.micromechanics.units import MJ_PER_M3_PER_GPA

__all__ = ["StrengthSettings", "StrengthResult", "strength", "parse_settings", "StepTooSmallError"]

log = logging.getLogger("amorfem.solvers")

_KEYS = LOAD_PATH_KEYS | {"work_to", "offset"}


@dataclass(frozen=True)
class StrengthSettings(LoadPathSettings):
    """The ``[analysis]`` table of a strength case: a load path (:class:`LoadPathSettings`), and

    Parameters
    ----------
    work_to : float or None
        Loaded strain up to which the work is integrated (default: the largest reached).
    offset : float
        Offset of the yield strength (0.002: the 0.2 % offset yield).
    """

    work_to: float | None = None
    offset: float = 0.002

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 < self.offset < 0.1:
            raise ValueError(f"[analysis] offset={self.offset} is outside the allowed range (0, 0.1)")


def parse_settings(table: Mapping[str, Any]) -> StrengthSettings:
    """Validate the ``[analysis]`` table (without ``type``) of a strength case."""
    return StrengthSettings(**path_parameters(table, _KEYS, "strength"))


@dataclass(frozen=True, eq=False, kw_only=True)
class StrengthResult(PathResult):
    """A strength run: its curve, headline numbers and fields (and those of :class:`PathResult`).

    Attributes
    ----------
    curve : dict of str to list
        Per accepted step: ``t`` (pseudo-time), ``strain`` and ``stress`` (6 Voigt components;
        GPa), ``loaded_strain``, ``loaded_stress`` (along the loading component, loading
        positive), ``newton`` and ``krylov`` iterations, ``plastic_strain`` (volume average of
        the equivalent plastic strain), ``plastic_work``, ``elastic_energy`` and
        ``external_work`` (volume averages, GPa), ``free_stress_error`` (GPa).
    metrics : CurveMetrics
    energy_balance : float
        Largest ``|W_ext - W_el - W_p| / W_ext`` along the path.
    labels : tuple of str
        Frame component names; ``loaded`` is the loading one.
    timings : dict of str to float
        Wall seconds: constitutive update, assembly, linear solves, total.
    """

    metrics: CurveMetrics
    energy_balance: float
    labels: tuple[str, ...]
    loaded: str
    control: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (GPa, MJ/m^3, s)."""
        return {
            "strength": {
                **self.metrics.to_dict(),
                "loaded_component": self.loaded,
                "energy_balance": self.energy_balance,
                "control": self.control,
                "steps": len(self.curve["t"]) - 1,
                "newton_iterations_per_step": float(np.mean(self.curve["newton"][1:])) if len(self.curve["t"]) > 1 else 0.0,
                "resumed_from_step": self.resumed_from,
                "field_steps": self.steps_written,
            },
            **self.common_summary(),
        }

    def headline(self) -> str:
        """Yield and peak strength for the log."""
        m = self.metrics
        yield_text = "none" if m.yield_strength is None else f"{m.yield_strength:.4g} GPa"
        return (f"{self.loaded}: 0.2% yield {yield_text}, peak {m.peak_strength:.4g} GPa at strain {m.strain_at_peak:.4g}; "
                f"work to {m.work_strain:.4g}: " + ("n/a" if m.work is None else f"{m.work * MJ_PER_M3_PER_GPA:.4g} MJ/m^3"))


def _cell_state(problem: MacroStrainProblem) -> dict[str, np.ndarray]:
    """Cell averages of the committed state for viewing: von Mises, stress, equivalent plastic strain, phase."""
    out = {**problem.cell_stress_state(), "phase": owned_phase_tags(problem.rve)}
    try:
        out["equivalent_plastic_strain"] = problem.laws.cell_average("equivalent_plastic_strain").astype(np.float32)
    except KeyError:
        out["equivalent_plastic_strain"] = np.zeros(out["phase"].size, dtype=np.float32)
    return out


_CSV_COLUMNS = ("t", "loaded_strain", "loaded_stress", "newton", "krylov", "plastic_strain", "plastic_work",
                "elastic_energy", "external_work", "free_stress_error")
_CSV_NOTE = ("macroscopic stress-strain curve; strains dimensionless (engineering shears), stresses GPa, "
             "energy densities GPa (1 GPa = 1000 MJ/m^3)")


def strength(rve, materials, settings: StrengthSettings, degree: int = 1, solver: SolverOptions | None = None,
             directory: str | Path | None = None, run_key: str = "") -> StrengthResult:
    """Run a strength analysis of an RVE.

    Parameters
    ----------
    rve : RVE
        Periodic cell (nm).
    materials : mapping of str to Material
        Phase materials (GPa); those with plasticity data yield.
    settings : StrengthSettings
    degree : int
        Lagrange degree of the displacement.
    solver : SolverOptions, optional
        Linear solver of the Newton steps (default: CG/GMRES + GAMG, rtol 1e-10).
    directory : path, optional
        Where ``curve.csv``, the step fields and the checkpoints go (rank 0 writes).
    run_key : str
        Identity of the run (inputs and code) that checkpoints must match to be resumed.

    Returns
    -------
    StrengthResult

    Raises
    ------
    StepTooSmallError
        When a step cannot converge even at the minimum step size (with where and why).
    """
    comm = rve.comm
    start_time = MPI.Wtime()
    control = settings.macro_control(rve.dim)
    solver = solver if solver is not None else SolverOptions(rtol=1e-10)
    problem = MacroStrainProblem(rve, laws_for(materials), control, degree=degree, solver=solver, newton=settings.newton)
    directory = Path(directory) if directory is not None else None
    loaded, sense = control.loaded, control.sense

    curve: dict[str, list] = {key: [] for key in (*_CSV_COLUMNS, "strain", "stress")}

    def record(t: float, report: NewtonReport | None) -> None:
        newton, krylov = (report.iterations, int(sum(report.krylov))) if report is not None else (0, 0)
        free_error = report.stress_residuals[-1] if report is not None else 0.0
        stress = problem.macro_stress()
        strain = control.strain(problem.xi)
        frame = control.frame_stress(stress)
        if curve["t"]:
            previous_E, previous_S = np.array(curve["strain"][-1]), np.array(curve["stress"][-1])
            work = curve["external_work"][-1] + 0.5 * float(np.dot(stress + previous_S, strain - previous_E))
        else:
            work = 0.0
        for key, value in (("t", t), ("loaded_strain", sense * problem.xi[loaded]), ("loaded_stress", sense * frame[loaded]),
                           ("newton", newton), ("krylov", krylov), ("plastic_strain", problem.state_average("equivalent_plastic_strain")),
                           ("plastic_work", problem.state_average("plastic_work")), ("elastic_energy", problem.elastic_energy()),
                           ("external_work", work), ("free_stress_error", free_error)):
            curve[key].append(float(value))
        curve["strain"].append(strain.tolist())
        curve["stress"].append(stress.tolist())

    problem._evaluate()
    record(0.0, None)

    def describe() -> str:
        return (f"strain {curve['loaded_strain'][-1]:.5g} stress {curve['loaded_stress'][-1]:.5g} GPa, "
                f"{curve['newton'][-1]:.0f} Newton iterations ({curve['krylov'][-1]:.0f} Krylov)")

    output = path_output(directory, settings, rve.mesh, curve, _CSV_COLUMNS, _CSV_NOTE, problem.displacement,
                         lambda: _cell_state(problem))
    run = follow_path(problem, settings.step_settings(), control.knots, curve, record, output, run_key, comm,
                      "strength", describe=describe)
    seconds = {key: run.seconds.get(key, 0.0) for key in ("constitutive", "assembly", "solve")}

    external = np.array(curve["external_work"])
    stored = np.array(curve["elastic_energy"]) + np.array(curve["plastic_work"])
    scale = np.maximum(np.abs(external), 1e-300)
    balance = float(np.max(np.abs(external - stored)[1:] / scale[1:])) if external.size > 1 else 0.0
    metrics = curve_metrics(curve["loaded_strain"], curve["loaded_stress"], curve["strain"], curve["stress"],
                            offset=settings.offset, work_strain=settings.work_to)
    cells = _cell_state(problem)
    cells.pop("phase")
    timings = {**seconds, "total": comm.allreduce(MPI.Wtime() - start_time, op=MPI.MAX)}
    result = StrengthResult(
        curve=curve, metrics=metrics, energy_balance=balance, labels=control.labels, loaded=control.labels[loaded],
        control={"type": settings.control, "controlled": [control.labels[k] for k in control.controlled],
                 "free": [control.labels[k] for k in control.free], "path": control.path.tolist(),
                 "stress_targets_GPa": {control.labels[k]: v for k, v in control.stress_targets.items()}},
        timings=timings, cell_fields=cells, **path_result_fields(rve, materials, problem, run),
    )
    problem.destroy()
    return result


def _run(inputs: AnalysisInputs) -> StrengthResult:
    return strength(inputs.body, inputs.materials, inputs.settings, degree=inputs.degree, solver=inputs.solver,
                    directory=inputs.directory, run_key=inputs.run_key)


STRENGTH = register(Analysis(
    name="strength",
    description="plasticity of an RVE under a mixed macroscopic load path: stress-strain curve, yield and peak strength",
    bodies=("rve",),
    parse=parse_settings,
    run=_run,
    check=check_load_path,
))
