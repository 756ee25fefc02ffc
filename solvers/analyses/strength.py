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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
from dolfinx import fem

from solvers.analyses.registry import Analysis, AnalysisInputs, register
from solvers.fe.body import owned_phase_tags
from solvers.fe.checkpoint import Checkpoint
from solvers.fe.fields import vtk_symmetric
from solvers.fe.io import write_fields
from solvers.fe.linear_solver import SolverOptions
from solvers.fe.load_stepping import LoadStepper, StepSettings, StepTooSmallError
from solvers.fe.macro_control import CONTROLS, MacroControl
from solvers.fe.macro_newton import MacroStrainProblem, NewtonSettings
from solvers.fe.plasticity import laws_for
from solvers.micromechanics.atomic_files import write_text_atomic
from solvers.micromechanics.invariants import von_mises_voigt
from solvers.micromechanics.stress_strain import CurveMetrics, curve_metrics
from solvers.micromechanics.units import MJ_PER_M3_PER_GPA
from solvers.micromechanics.voigt import voigt_labels

__all__ = ["StrengthSettings", "StrengthResult", "strength", "parse_settings", "check_settings", "StepTooSmallError"]

log = logging.getLogger("amorfem.solvers")

_KEYS = {"control", "strain", "direction", "ratio", "component", "stress", "out_of_plane", "steps", "max_step",
         "min_step", "fields_at", "fields_every", "work_to", "offset", "newton", "checkpoint_every"}


@dataclass(frozen=True)
class StrengthSettings:
    """The ``[analysis]`` table of a strength case.

    Parameters
    ----------
    control : {"uniaxial", "biaxial", "pure_shear", "hydrostatic", "custom"}
        Load path type (see :meth:`solvers.fe.macro_control.MacroControl.build`).
    strain : sequence of float or mapping
        Knots of the controlled strain, e.g. ``[0.0, 0.05]`` or ``[0.0, 0.03, 0.0]`` (unloading);
        for ``custom`` a table ``{ "11" = [...], ... }``.
    direction : sequence of float or None
        Loading direction of ``uniaxial`` (default x1).
    ratio : float
        e22 / e11 of ``biaxial``.
    component : str
        Shear of ``pure_shear`` ("12", "13", "23").
    stress : mapping of str to float
        Held stresses of free components (GPa); default 0.
    out_of_plane : {"free", "plane_strain"}
        2D: e33 free (Sigma33 = 0) or held at 0.
    steps : int
        Nominal number of steps along the path (the first step is 1/steps of it), > 0.
    max_step, min_step : float or None
        Largest and smallest step as fractions of the path (default 1/steps and 1e-4/steps).
    fields_at : sequence of float
        Loaded strains at which to write fields (the first step past each is written; the end always is).
    fields_every : int
        Also write fields every this many accepted steps (0: never), for animations.
    work_to : float or None
        Loaded strain up to which the work is integrated (default: the largest reached).
    offset : float
        Offset of the yield strength (0.002: the 0.2 % offset yield).
    newton : NewtonSettings
    checkpoint_every : int
        Accepted steps between checkpoints, > 0.
    """

    control: str = "uniaxial"
    strain: Sequence[float] | Mapping[str, Sequence[float]] = (0.0, 0.02)
    direction: tuple[float, ...] | None = None
    ratio: float = 1.0
    component: str = "12"
    stress: Mapping[str, float] = field(default_factory=dict)
    out_of_plane: str = "free"
    steps: int = 50
    max_step: float | None = None
    min_step: float | None = None
    fields_at: tuple[float, ...] = ()
    fields_every: int = 5
    work_to: float | None = None
    offset: float = 0.002
    newton: NewtonSettings = field(default_factory=NewtonSettings)
    checkpoint_every: int = 1

    def __post_init__(self) -> None:
        if self.control not in CONTROLS:
            raise ValueError(f"[analysis] control={self.control!r} is not known; allowed: {', '.join(CONTROLS)}")
        if not (isinstance(self.steps, int) and self.steps > 0):
            raise ValueError(f"[analysis] steps={self.steps!r} must be a positive integer")
        if not (isinstance(self.fields_every, int) and self.fields_every >= 0):
            raise ValueError(f"[analysis] fields_every={self.fields_every!r} must be an integer >= 0")
        if not (isinstance(self.checkpoint_every, int) and self.checkpoint_every > 0):
            raise ValueError(f"[analysis] checkpoint_every={self.checkpoint_every!r} must be a positive integer")
        if not 0 < self.offset < 0.1:
            raise ValueError(f"[analysis] offset={self.offset} is outside the allowed range (0, 0.1)")
        object.__setattr__(self, "fields_at", tuple(float(v) for v in self.fields_at))
        self.step_settings()  # validates the step bounds

    def step_settings(self) -> StepSettings:
        """The adaptive step control of these settings."""
        nominal = 1.0 / self.steps
        return StepSettings(initial=nominal, maximum=self.max_step if self.max_step is not None else nominal,
                            minimum=self.min_step if self.min_step is not None else 1e-4 * nominal)

    def macro_control(self, dim: int) -> MacroControl:
        """The load path on a ``dim``-dimensional RVE."""
        strain = dict(self.strain) if isinstance(self.strain, Mapping) else list(self.strain)
        return MacroControl.build(dim, self.control, strain, direction=self.direction, ratio=self.ratio,
                                  component=self.component, stress=self.stress, out_of_plane=self.out_of_plane)


def parse_settings(table: Mapping[str, Any]) -> StrengthSettings:
    """Validate the ``[analysis]`` table (without ``type``) of a strength case."""
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ValueError(f"[analysis] has unknown keys {unknown} for type 'strength'; allowed: {sorted(_KEYS | {'type'})}")
    params = dict(table)
    if "newton" in params:
        if not isinstance(params["newton"], Mapping):
            raise ValueError("[analysis] newton must be a table (max_iterations, force_tolerance, stress_tolerance)")
        try:
            params["newton"] = NewtonSettings(**params["newton"])
        except TypeError as exc:
            raise ValueError(f"[analysis] newton: {exc}") from exc
    for key in ("direction", "fields_at"):
        if key in params and params[key] is not None:
            params[key] = tuple(params[key])
    return StrengthSettings(**params)


def check_settings(settings: StrengthSettings, dim: int) -> None:
    """Refuse a load path that the geometry's dimension cannot follow (before meshing)."""
    settings.macro_control(dim)


@dataclass(frozen=True, eq=False)
class StrengthResult:
    """A strength run: its curve, headline numbers and fields.

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
    steps_written : list of dict
        Fields written along the path: ``{"step", "loaded_strain", "file"}``.
    point_fields, cell_fields
        Final state for the VTK output.
    """

    curve: dict[str, list]
    metrics: CurveMetrics
    energy_balance: float
    labels: tuple[str, ...]
    loaded: str
    control: dict[str, Any]
    timings: dict[str, float]
    steps_written: list[dict[str, Any]]
    dofs: int
    ranks: int
    volume_fractions: dict[str, float]
    density: float
    resumed_from: int | None = None
    point_fields: tuple[fem.Function, ...] = field(default=(), repr=False)
    cell_fields: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

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
            "curve": self.curve,
            "volume_fractions": self.volume_fractions,
            "density": self.density,
            "dofs": self.dofs,
            "ranks": self.ranks,
            "timings": self.timings,
        }

    def headline(self) -> str:
        """Yield and peak strength for the log."""
        m = self.metrics
        yield_text = "none" if m.yield_strength is None else f"{m.yield_strength:.4g} GPa"
        return (f"{self.loaded}: 0.2% yield {yield_text}, peak {m.peak_strength:.4g} GPa at strain {m.strain_at_peak:.4g}; "
                f"work to {m.work_strain:.4g}: " + ("n/a" if m.work is None else f"{m.work * MJ_PER_M3_PER_GPA:.4g} MJ/m^3"))


def _cell_state(problem: MacroStrainProblem) -> dict[str, np.ndarray]:
    """Cell averages of the committed state for viewing: von Mises, equivalent plastic strain, stress."""
    laws = problem.laws
    mesh = problem.rve.mesh
    num_owned = mesh.topology.index_map(problem.rve.dim).size_local
    w = laws.weights / laws.weights.sum()
    stress = laws.stress.x.array.reshape(-1, 6)[laws.stress.function_space.dofmap.list[:num_owned]]
    average = np.einsum("q,cqi->ci", w, stress)
    point_vm = von_mises_voigt(stress)
    out = {
        "von_mises": np.einsum("q,cq->c", w, point_vm).astype(np.float32),
        "stress": vtk_symmetric(average, engineering=False),
        "phase": owned_phase_tags(problem.rve),
    }
    try:
        out["equivalent_plastic_strain"] = laws.cell_average("equivalent_plastic_strain").astype(np.float32)
    except KeyError:
        out["equivalent_plastic_strain"] = np.zeros(num_owned, dtype=np.float32)
    return out


_CSV_COLUMNS = ("t", "loaded_strain", "loaded_stress", "newton", "krylov", "plastic_strain", "plastic_work",
                "elastic_energy", "external_work", "free_stress_error")


def _write_csv(path: Path, curve: Mapping[str, list]) -> None:
    labels = voigt_labels(3)
    header = list(_CSV_COLUMNS) + [f"E{l}" for l in labels] + [f"S{l}_GPa" for l in labels]
    rows = []
    for k in range(len(curve["t"])):
        values = [curve[c][k] for c in _CSV_COLUMNS] + list(curve["strain"][k]) + list(curve["stress"][k])
        rows.append(",".join(f"{v:.10g}" for v in values))
    note = ("# macroscopic stress-strain curve; strains dimensionless (engineering shears), stresses GPa, "
            "energy densities GPa (1 GPa = 1000 MJ/m^3)\n")
    write_text_atomic(path, note + ",".join(header) + "\n" + "\n".join(rows) + "\n")


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
    loaded = control.loaded
    dominant = int(np.abs(control.path[:, 0]).argmax())
    sense = float(np.sign(control.path[dominant, 0])) or 1.0   # curves are drawn with loading positive

    curve: dict[str, list] = {key: [] for key in (*_CSV_COLUMNS, "strain", "stress")}

    def record(t: float, newton: int, krylov: int, free_error: float) -> None:
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

    checkpoint = Checkpoint(directory / "checkpoint", run_key, comm) if directory is not None else None
    stepper = LoadStepper(settings.step_settings(), control.knots)
    previous: tuple[np.ndarray, np.ndarray] | None = None
    last_step = 0.0
    written: list[dict[str, Any]] = []
    pending = sorted(settings.fields_at)
    resumed = None
    restored = checkpoint.load() if checkpoint is not None else None
    if restored is not None:
        arrays, state = restored
        problem.w.x.array[:] = arrays["w"]
        problem.xi[:] = arrays["xi"]
        problem.laws.load_snapshot({g.key: {name[len(g.key) + 2:]: arrays[name] for name in arrays
                                            if name.startswith(g.key + "::")} for g in problem.laws.groups})
        problem._evaluate()
        problem.commit()
        curve = state["curve"]
        stepper = LoadStepper(settings.step_settings(), control.knots, t=state["t"], step=state["step"])
        written, pending, last_step = state["written"], state["pending"], state["last_step"]
        previous = (arrays["w_previous"], arrays["xi_previous"]) if "w_previous" in arrays else None
        resumed = len(curve["t"]) - 1
        if comm.rank == 0:
            log.info("strength: resumed from step %d (pseudo-time %.4g)", resumed, stepper.t)
    else:
        problem._evaluate()
        record(0.0, 0, 0, 0.0)
    seconds = {"constitutive": 0.0, "assembly": 0.0, "solve": 0.0}

    def write_step_fields(step: int) -> str:
        name = f"step_{step:04d}"
        write_fields(directory / "steps", rve.mesh, [problem.displacement()], _cell_state(problem), name=name)
        return f"steps/{name}/{name}.vtm"

    while not stepper.done:
        t = stepper.proposal()
        ratio = (t - stepper.t) / last_step if last_step > 0 else 0.0
        problem.predict(previous, ratio)
        report = problem.solve(control.controlled_at(t))
        for key in seconds:
            seconds[key] += report.seconds[key]
        if not report.converged:
            problem.restore()
            if comm.rank == 0:
                log.info("strength: step to t=%.5g cut (%s)", t, report.reason)
            stepper.reject(t, report.reason)
            continue
        previous = problem.committed
        last_step = t - stepper.t
        problem.commit()
        stepper.accept(t, report.iterations)
        record(t, report.iterations, int(sum(report.krylov)), report.stress_residuals[-1])
        step = len(curve["t"]) - 1
        if comm.rank == 0:
            log.info("strength: step %d t=%.4f strain %.5g stress %.5g GPa, %d Newton iterations (%d Krylov)", step, t,
                     curve["loaded_strain"][-1], curve["loaded_stress"][-1], report.iterations, sum(report.krylov))
        if directory is not None:
            due = settings.fields_every and step % settings.fields_every == 0
            while pending and curve["loaded_strain"][-1] >= pending[0] - 1e-12:
                pending.pop(0)
                due = True
            if due:
                written.append({"step": step, "loaded_strain": curve["loaded_strain"][-1], "file": write_step_fields(step)})
            if comm.rank == 0:
                _write_csv(directory / "curve.csv", curve)
            if step % settings.checkpoint_every == 0 or stepper.done:
                arrays = {"w": problem.w.x.array, "xi": problem.xi, "w_previous": previous[0], "xi_previous": previous[1]}
                for key, values in problem.laws.state_snapshot().items():
                    arrays.update({f"{key}::{name}": v for name, v in values.items()})
                checkpoint.save(arrays, {"curve": curve, "t": stepper.t, "step": stepper.step, "written": written,
                                         "pending": pending, "last_step": last_step})
    if directory is not None and not any(w["step"] == len(curve["t"]) - 1 for w in written):
        written.append({"step": len(curve["t"]) - 1, "loaded_strain": curve["loaded_strain"][-1],
                        "file": write_step_fields(len(curve["t"]) - 1)})

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
        timings=timings, steps_written=written, dofs=problem.parent.dofmap.index_map.size_global * rve.dim,
        ranks=comm.size, volume_fractions=dict(rve.volume_fractions),
        density=float(sum(f * materials[p].density for p, f in rve.volume_fractions.items())),
        resumed_from=resumed, point_fields=(problem.displacement(),), cell_fields=cells,
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
    check=check_settings,
))
