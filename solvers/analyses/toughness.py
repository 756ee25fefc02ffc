"""Toughness of an RVE: phase-field fracture to complete loss of load (``type = "toughness"``, ``mode = "rve"``).

Every phase is damaged elastic (:mod:`solvers.fe.phase_field`) with its own fracture energy
``Gc`` (the material's ``fracture_energy``, J/m^2); damage follows the AT1 or AT2 model
(:mod:`solvers.micromechanics.fracture`) with one regularisation length ``l`` (nm), which the
mesh must resolve. The periodic RVE follows a macroscopic load path under mixed control (the
condensed Newton of :mod:`solvers.fe.macro_newton`); each load step minimises the energy by
alternate displacement and damage solves (:mod:`solvers.fe.alternate_minimisation`). The run
ends when the stress has fallen below ``stop_at`` of its peak (complete loss of load) or at the
end of the path.

Energy bookkeeping (volume averages, GPa; 1 GPa = 1000 MJ/m^3), per accepted step:

* ``external_work``: ``sum 1/2 (Sigma_k + Sigma_k+1^0) : (E_k+1 - E_k)``, with ``Sigma^0`` the
  stress at the new strain before the damage moves (the first displacement solve of the step): the
  exact work of the discrete path, which loads at fixed damage and then lets the damage evolve at
  fixed strain;
* ``elastic_energy`` (``g psi+ + psi-``) and ``dissipated_energy`` (``Gc / c_w (w/l + l |grad d|^2)``);
* ``released_energy``: the drop of ``elastic + dissipated`` while the damage evolves at fixed
  strain, summed over the steps: zero for crack growth that the load controls, the energy an
  unstable crack jump gives away otherwise.

``W_ext = W_el + W_d + W_released`` holds at every step (``energy_balance`` is its largest
relative gap). The work of fracture is the external work to complete failure (MJ/m^3).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI

from solvers.analyses.fracture_steps import FractureResult, FractureSteps, phase_fracture_energies
from solvers.analyses.load_path import LOAD_PATH_KEYS, LoadPathSettings, check_load_path, path_parameters
from solvers.analyses.path_following import follow_path, path_output, path_result_fields
from solvers.analyses.registry import Analysis, AnalysisInputs, register
from solvers.fe.alternate_minimisation import StaggeredReport, StaggeredSettings
from solvers.fe.body import owned_phase_tags
from solvers.fe.linear_solver import SolverOptions
from solvers.fe.load_stepping import StepSettings
from solvers.fe.macro_newton import MacroStrainProblem
from solvers.fe.phase_field import DamageField, check_resolution, damaged_laws
from solvers.micromechanics.fracture import PhaseFieldModel
from solvers.micromechanics.stress_strain import initial_modulus, peak
from solvers.micromechanics.units import MJ_PER_M3_PER_GPA

__all__ = ["ToughnessSettings", "ToughnessResult", "toughness_rve", "parse_settings", "MODES"]

log = logging.getLogger("amorfem.solvers")

MODES = ("rve", "notched")

_KEYS = LOAD_PATH_KEYS | {"mode", "model", "length", "split", "residual", "hybrid", "staggered", "stop_at", "cells_per_length",
                          "displacement", "crack_region", "interfaces", "prescribed", "opening", "crack_growth_per_step", "notch_damage",
                          "easy_passes"}

PRESCRIBED = ("displacement", "opening")


@dataclass(frozen=True)
class ToughnessSettings(LoadPathSettings):
    """The ``[analysis]`` table of a toughness case: a load path (:class:`LoadPathSettings`), and

    Parameters
    ----------
    mode : {"rve", "notched"}
        An RVE to failure under mixed macroscopic control (the load path of
        :class:`LoadPathSettings`), or a notched specimen under displacement control
        (:mod:`solvers.analyses.notched`: ``displacement``, ``crack_region``).
    model : {"AT1", "AT2"}
    length : float
        Regularisation length ``l`` (nm), > 0.
    split : {"none", "volumetric_deviatoric", "spectral"}
    residual : float
        Residual stiffness of broken points, in [0, 1e-2].
    hybrid : bool
        The split drives the damage only; the stress degrades isotropically (linear displacement
        steps; :mod:`solvers.micromechanics.fracture`).
    staggered : StaggeredSettings
        Convergence of the alternate minimisation in each step.
    stop_at : float
        End when the loaded stress falls below this fraction of its peak (after the peak), in (0, 1).
    cells_per_length : float
        The mesh must have ``h <= l / cells_per_length`` (its longest edge, nm), >= 1.
    prescribed : {"displacement", "opening"}
        ``notched``: what the path prescribes: the load-point displacement (``displacement``
        knots), or the crack-mouth opening of the notch (``opening`` knots; CMOD control, as in
        ASTM E1820 tests), which follows the load down a snap-back that displacement control
        jumps over. It needs displacement steps linear at fixed damage
        (``split = "none"`` or ``hybrid = true``).
    displacement : sequence of float or None
        ``notched``, displacement control: knots of the load-point displacement (nm), from 0,
        e.g. ``[0.0, 2.0]``.
    opening : sequence of float or None
        ``notched``, opening control: knots of the crack-mouth opening (nm), from 0.
    crack_growth_per_step : float or None
        Bound each step's dissipation to this crack growth (nm) through the toughest phase
        (``Gc_max`` x growth x thickness; on a 3D RVE x its shortest side), so that cracking the
        control does not hold (a weak interlayer away from the notch, a kink into an
        interface; an RVE past its peak) is followed step by step instead of jumping
        (:mod:`solvers.fe.dissipation_bound`). Notched: with ``prescribed = "opening"``. Needs
        ``split = "none"`` or ``hybrid = true``. None: no bound.
    notch_damage : bool
        ``notched``: the notch's faces start fully damaged (``d = 1``), so that the notch is a
        phase-field crack whose tip profile exists before the load; otherwise the damage must
        first form at the bare notch, which costs more than ``Gc`` per unit length at initiation.
        The dissipated energy is counted from this initial state.
    crack_region : (sequence, sequence) or None
        ``notched``: lower and upper corners (nm) of the box where cracks may run (the mesh must
        resolve ``l`` there; damage is held at 0 outside). Default: the whole specimen.
    easy_passes : int
        A step that converges in at most this many alternate-minimisation passes grows the next
        one by 1.5 (up to ``max_step``), > 0; e.g. a notched specimen reloading between crack
        jumps (each step then costs about as many passes, whatever its size).
    interfaces : mapping or tuple, optional
        Thin layers whose ``fracture_energy`` is the toughness of a crack along them (J/m^2), as
        ``{phase: {"thickness": t_nm, "host": phase}}``: the phase's Gc is calibrated so that the
        regularised crack, which spreads over about ``4 l`` and so partly into the host when
        ``t < 4 l``, dissipates that toughness (:mod:`solvers.micromechanics.thin_layer`).
        Without it a layer's Gc is that of its material, and a crack along a layer thinner than
        ``4 l`` costs more (e.g. AT1, ``t = l``, ``Gc_layer = 0.1 Gc_host``: 0.17 ``Gc_host``).
    """

    strain: tuple[float, ...] = (0.0, 0.05)
    fields_every: int = 10
    mode: str = "rve"
    model: str = "AT1"
    length: float = 1.0
    split: str = "none"
    residual: float = 1e-6
    hybrid: bool = False
    staggered: StaggeredSettings = field(default_factory=StaggeredSettings)
    stop_at: float = 0.02
    cells_per_length: float = 1.5
    prescribed: str = "displacement"
    displacement: tuple[float, ...] | None = None
    opening: tuple[float, ...] | None = None
    crack_growth_per_step: float | None = None
    notch_damage: bool = False
    crack_region: tuple[tuple[float, ...], tuple[float, ...]] | None = None
    interfaces: Any = ()
    easy_passes: int = 4

    def __post_init__(self) -> None:
        if not (type(self.easy_passes) is int and self.easy_passes > 0):
            raise ValueError(f"[analysis] easy_passes={self.easy_passes!r} must be a positive integer")
        super().__post_init__()
        object.__setattr__(self, "interfaces", _interfaces(self.interfaces))
        if self.mode not in MODES:
            raise ValueError(f"[analysis] mode={self.mode!r} is not known; allowed: {', '.join(MODES)}")
        self.phase_field()  # validates model, length, split, residual
        if not 0 < self.stop_at < 1:
            raise ValueError(f"[analysis] stop_at={self.stop_at} is outside the allowed range (0, 1)")
        if not self.cells_per_length >= 1:
            raise ValueError(f"[analysis] cells_per_length={self.cells_per_length} must be >= 1")
        growth = self.crack_growth_per_step
        if growth is not None:
            if not (isinstance(growth, (int, float)) and growth > 0):
                raise ValueError(f"[analysis] crack_growth_per_step={growth!r} must be a length > 0 (nm)")
            if self.split != "none" and not self.hybrid:
                raise ValueError(f"[analysis] crack_growth_per_step needs displacement steps that are linear at fixed "
                                 f"damage: split='none' or hybrid=true (got split='{self.split}', hybrid=false)")
        if self.prescribed not in PRESCRIBED:
            raise ValueError(f"[analysis] prescribed={self.prescribed!r} is not known; allowed: {', '.join(PRESCRIBED)}")
        if self.mode != "notched" and self.prescribed != "displacement":
            raise ValueError(f"[analysis] prescribed={self.prescribed!r} applies to mode='notched' only")
        if self.mode == "notched":
            key = self.prescribed
            what = {"displacement": "load-point displacements", "opening": "crack-mouth openings"}[key]
            given = getattr(self, key)
            knots = np.asarray(given if given is not None else [], float)
            if knots.ndim != 1 or knots.size < 2 or knots[0] != 0 or not np.all(np.isfinite(knots)) or not np.abs(knots).max() > 0:
                raise ValueError(f"[analysis] {key}={given!r} must be a list of at least two {what} (nm) "
                                 f"starting at 0, e.g. [0.0, 2.0], for mode='notched' with prescribed='{key}'")
            object.__setattr__(self, key, tuple(float(v) for v in knots))
            growth = self.crack_growth_per_step
            if growth is not None and key != "opening":
                raise ValueError(f"[analysis] crack_growth_per_step={growth!r} needs prescribed='opening' on a notched "
                                 f"specimen (got prescribed='{key}')")
            if key == "opening" and self.split != "none" and not self.hybrid:
                raise ValueError(f"[analysis] prescribed='opening' needs displacement steps that are linear at fixed "
                                 f"damage: split='none' or hybrid=true (got split='{self.split}', hybrid=false)")
        if self.staggered.inexact and not (self.mode == "notched" and self.prescribed == "opening"):
            raise ValueError(f"[analysis] staggered.inexact=true needs mode='notched' with prescribed='opening' (got "
                             f"mode='{self.mode}', prescribed='{self.prescribed}'): loose passes need not lower the "
                             f"energy, which the released energy of other paths cannot book")
        if self.crack_region is not None:
            region = self.crack_region
            if (len(region) != 2 or len(region[0]) != len(region[1]) or len(region[0]) not in (2, 3)
                    or any(b <= a for a, b in zip(region[0], region[1]))):
                raise ValueError(f"[analysis] crack_region={region!r} must be [lower, upper] corners (nm) with "
                                 "2 or 3 coordinates each, lower < upper")
            object.__setattr__(self, "crack_region", (tuple(map(float, region[0])), tuple(map(float, region[1]))))

    @property
    def body_kind(self) -> str:
        """The body these settings run on: a periodic ``"rve"`` or a notched ``"specimen"``."""
        return "rve" if self.mode == "rve" else "specimen"

    def step_settings(self) -> StepSettings:
        """The load path's adaptive steps, grown after steps of at most ``easy_passes`` passes."""
        return replace(super().step_settings(), easy_iterations=self.easy_passes)

    def phase_field(self) -> PhaseFieldModel:
        """The phase-field model of these settings."""
        return PhaseFieldModel(model=self.model, length=self.length, split=self.split, residual=self.residual,
                               hybrid=self.hybrid)


def _interfaces(value: Any) -> tuple[tuple[str, float, str], ...]:
    """``{phase: {"thickness": t, "host": name}}`` (or such triples) as ``((phase, t, host), ...)``."""
    items = value.items() if isinstance(value, Mapping) else [(p, {"thickness": t, "host": h}) for p, t, h in value]
    layers = []
    for phase, entry in items:
        if not (isinstance(entry, Mapping) and set(entry) == {"thickness", "host"}):
            raise ValueError(f"[analysis] interfaces.{phase}={entry!r} must be {{thickness = <nm>, host = \"<phase>\"}}")
        thickness = entry["thickness"]
        if not (isinstance(thickness, (int, float)) and np.isfinite(thickness) and thickness > 0):
            raise ValueError(f"[analysis] interfaces.{phase}.thickness={thickness!r} nm is not allowed; must be > 0")
        if entry["host"] == phase:
            raise ValueError(f"[analysis] interfaces.{phase}.host='{phase}' must be another phase")
        layers.append((str(phase), float(thickness), str(entry["host"])))
    return tuple(layers)


def parse_settings(table: Mapping[str, Any]) -> ToughnessSettings:
    """Validate the ``[analysis]`` table (without ``type``) of a toughness case."""
    params = path_parameters(table, _KEYS, "toughness",
                             tables={"staggered": (StaggeredSettings, "tolerance, max_iterations, relaxation, anderson")})
    return ToughnessSettings(**params)


@dataclass(frozen=True, eq=False, kw_only=True)
class ToughnessResult(FractureResult):
    """An RVE loaded to failure: its curve, headline numbers and the crack pattern (and those of :class:`PathResult`).

    Attributes
    ----------
    curve : dict of str to list
        Per accepted step: ``t``, ``strain`` and ``stress`` (6 Voigt components; GPa),
        ``loaded_strain``, ``loaded_stress`` (loading positive), ``passes`` (alternate
        minimisation), ``newton``, ``krylov``, ``damage_iterations``, ``max_damage``, and the
        energies of the module docstring (volume averages, GPa).
    metrics : dict
        ``modulus_GPa``, ``peak_strength_GPa``, ``strain_at_peak``, ``failure_strain`` (first
        strain past the peak with the stress below ``stop_at`` of it; None if the load was not
        lost), ``work_of_fracture_MJ_m3``, ``dissipated_energy_MJ_m3``, ``released_energy_MJ_m3``.
    energy_balance : float
        Largest ``|W_ext - W_el - W_d - W_released| / W_ext`` along the path.
    timings : dict of str to float
        Wall seconds: displacement solves, damage solves, total.
    """

    loaded: str

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (GPa, MJ/m^3, J/m^2, nm, s)."""
        return self.fracture_summary("rve", "stress GPa, energies per volume GPa in the curve and MJ/m^3 in the "
                                     "metrics, fracture energy J/m^2 (= GPa nm), lengths nm", loaded_component=self.loaded)

    def headline(self) -> str:
        """Peak strength and work of fracture for the log."""
        m = self.metrics
        failure = "load not lost" if m["failure_strain"] is None else f"failure at strain {m['failure_strain']:.4g}"
        return (f"{self.loaded}: peak {m['peak_strength_GPa']:.4g} GPa at strain {m['strain_at_peak']:.4g}, {failure}; "
                f"work of fracture {m['work_of_fracture_MJ_m3']:.4g} MJ/m^3")


_CSV_COLUMNS = ("t", "loaded_strain", "loaded_stress", "passes", "newton", "krylov", "damage_iterations", "max_damage",
                "elastic_energy", "dissipated_energy", "released_energy", "external_work")
_CSV_NOTE = ("phase-field fracture of an RVE; strains dimensionless (engineering shears), stresses GPa, energy "
             "densities GPa (1 GPa = 1000 MJ/m^3)")


def _cell_state(problem: MacroStrainProblem) -> dict[str, np.ndarray]:
    """Cell averages of the committed state for viewing: damage, von Mises, stress, phase."""
    return {"damage": problem.laws.cell_average("damage").astype(np.float32), **problem.cell_stress_state(),
            "phase": owned_phase_tags(problem.rve)}


def _metrics(curve: Mapping[str, list], stop_at: float) -> dict[str, Any]:
    e, s = np.asarray(curve["loaded_strain"]), np.asarray(curve["loaded_stress"])
    top, at = peak(e, s)
    k_peak = int(np.argmax(s))
    lost = np.flatnonzero(s[k_peak:] < stop_at * top)
    work = curve["external_work"][-1]
    return {
        "modulus_GPa": initial_modulus(e, s) if e.size > 1 else None,
        "peak_strength_GPa": top,
        "strain_at_peak": at,
        "failure_strain": float(e[k_peak + lost[0]]) if lost.size else None,
        "work_of_fracture_MJ_m3": work * MJ_PER_M3_PER_GPA,
        "dissipated_energy_MJ_m3": curve["dissipated_energy"][-1] * MJ_PER_M3_PER_GPA,
        "released_energy_MJ_m3": curve["released_energy"][-1] * MJ_PER_M3_PER_GPA,
    }


def toughness_rve(rve, materials, settings: ToughnessSettings, degree: int = 1, solver: SolverOptions | None = None,
                  directory: str | Path | None = None, run_key: str = "") -> ToughnessResult:
    """Load an RVE to failure by phase-field fracture.

    Parameters
    ----------
    rve : RVE
        Periodic cell (nm); its mesh must resolve ``settings.length``.
    materials : mapping of str to Material
        Phase materials (GPa), each with a ``fracture_energy`` (J/m^2).
    settings : ToughnessSettings
    degree : int
        Lagrange degree of the displacement (the damage is P1).
    solver : SolverOptions, optional
        Linear solver of the displacement Newton (default: CG/GMRES + GAMG, rtol 1e-10).
    directory : path, optional
        Where ``curve.csv``, step fields and checkpoints go (rank 0 writes).
    run_key : str
        Identity of the run that checkpoints must match to be resumed.

    Returns
    -------
    ToughnessResult

    Raises
    ------
    ValueError
        Before any solve: a phase without a fracture energy, a mesh that does not resolve ``l``.
    StepTooSmallError
        When a step cannot converge even at the minimum step size.
    """
    comm = rve.comm
    start_time = MPI.Wtime()
    model = settings.phase_field()
    energies, calibrated = phase_fracture_energies(rve.phases, materials, model, settings.interfaces)
    check_resolution(rve, model, settings.cells_per_length)
    control = settings.macro_control(rve.dim)
    solver = solver if solver is not None else SolverOptions(rtol=1e-10)
    problem = MacroStrainProblem(rve, damaged_laws(materials, model), control, degree=degree, solver=solver,
                                 newton=settings.newton)
    damage = DamageField(rve, problem.laws, energies, model, periodic=True)
    bound = None
    if settings.crack_growth_per_step is not None:
        from solvers.fe.dissipation_bound import DissipationBound

        # a crack front across the cell: growth x Gc_max per nm of thickness (2D), x the shortest box side (3D)
        front = 1.0 if rve.dim == 2 else min(rve.box.lengths)
        bound = DissipationBound(problem.solve_to, problem.scale_load, damage,
                                 settings.crack_growth_per_step * max(energies.values()) * front)
    steps = FractureSteps(problem, damage, settings.staggered, bound.solve_displacement if bound else problem.solve_to,
                          lambda: {"stress": problem.macro_stress(),
                                   "energy": problem.state_average("elastic_energy") + damage.dissipated_energy()},
                          bound=bound)
    directory = Path(directory) if directory is not None else None
    loaded, sense = control.loaded, control.sense

    curve: dict[str, list] = {key: [] for key in (*_CSV_COLUMNS, "strain", "stress")}

    def record(t: float, report: StaggeredReport | None) -> None:
        stress = problem.macro_stress()
        strain = control.strain(problem.xi)
        frame = control.frame_stress(stress)
        elastic, dissipated = problem.state_average("elastic_energy"), damage.dissipated_energy()
        if curve["t"] and bound is None:
            first = steps.first_pass or {"stress": stress, "energy": elastic + dissipated}
            previous_E, previous_S = np.array(curve["strain"][-1]), np.array(curve["stress"][-1])
            work = curve["external_work"][-1] + 0.5 * float(np.dot(first["stress"] + previous_S, strain - previous_E))
            released = curve["released_energy"][-1] + max(first["energy"] - (elastic + dissipated), 0.0)
        elif curve["t"]:
            # with a dissipation bound every accepted state is an equilibrium on the path: trapezoidal work
            previous_E, previous_S = np.array(curve["strain"][-1]), np.array(curve["stress"][-1])
            work = curve["external_work"][-1] + 0.5 * float(np.dot(stress + previous_S, strain - previous_E))
            released = curve["released_energy"][-1]
        else:
            work = released = 0.0
        max_damage = comm.allreduce(float(damage.d.x.array.max(initial=0.0)), op=MPI.MAX)
        counts = (report.iterations, report.newton, report.krylov, report.damage_iterations) if report else (0, 0, 0, 0)
        for key, value in (("t", t), ("loaded_strain", sense * problem.xi[loaded]), ("loaded_stress", sense * frame[loaded]),
                           ("passes", counts[0]), ("newton", counts[1]), ("krylov", counts[2]),
                           ("damage_iterations", counts[3]), ("max_damage", max_damage), ("elastic_energy", elastic),
                           ("dissipated_energy", dissipated), ("released_energy", released), ("external_work", work)):
            curve[key].append(float(value))
        curve["strain"].append(strain.tolist())
        curve["stress"].append(stress.tolist())

    damage.push_to_laws()
    problem._evaluate()
    record(0.0, None)

    def describe() -> str:
        return (f"strain {curve['loaded_strain'][-1]:.5g} stress {curve['loaded_stress'][-1]:.5g} GPa, max damage "
                f"{curve['max_damage'][-1]:.3f}, {curve['passes'][-1]:.0f} passes ({curve['newton'][-1]:.0f} Newton)")

    def lost() -> bool:
        s = np.asarray(curve["loaded_stress"])
        top = s.max()
        return bool(top > 0 and np.argmax(s) < s.size - 1 and s[-1] < settings.stop_at * top)

    output = path_output(directory, settings, rve.mesh, curve, _CSV_COLUMNS, _CSV_NOTE, problem.displacement,
                         lambda: _cell_state(problem))
    run = follow_path(steps, settings.step_settings(), control.knots, curve, record, output, run_key, comm,
                      "toughness", describe=describe, stop=lost)

    external = np.array(curve["external_work"])
    stored = np.array(curve["elastic_energy"]) + np.array(curve["dissipated_energy"]) + np.array(curve["released_energy"])
    scale = np.maximum(np.abs(external), 1e-300)
    balance = float(np.max(np.abs(external - stored)[1:] / scale[1:])) if external.size > 1 else 0.0
    cells = _cell_state(problem)
    cells.pop("phase")
    timings = {"displacement": run.seconds.get("displacement", 0.0), "damage": run.seconds.get("damage", 0.0),
               "total": comm.allreduce(MPI.Wtime() - start_time, op=MPI.MAX)}
    result = ToughnessResult(
        curve=curve, metrics=_metrics(curve, settings.stop_at), energy_balance=balance, loaded=control.labels[loaded],
        model=model.to_dict(), fracture_energies=dict(energies), interfaces=calibrated, timings=timings, cell_fields=cells,
        **path_result_fields(rve, materials, problem, run),
    )
    damage.destroy()
    problem.destroy()
    return result


def _run(inputs: AnalysisInputs):
    from solvers.analyses.notched import toughness_notched

    is_rve = not hasattr(inputs.body, "boundaries")
    mode = inputs.settings.mode
    if (mode == "rve") != is_rve:
        raise ValueError(f"[analysis] mode='{mode}' needs " + ("a periodic RVE geometry" if mode == "rve" else
                         "a specimen geometry (single_edge_notched_tension, three_point_bending)"))
    run = toughness_rve if mode == "rve" else toughness_notched
    return run(inputs.body, inputs.materials, inputs.settings, degree=inputs.degree, solver=inputs.solver,
               directory=inputs.directory, run_key=inputs.run_key)


TOUGHNESS = register(Analysis(
    name="toughness",
    description="phase-field fracture to complete loss of load: an RVE (stress-strain curve, peak strength, work "
                "of fracture, crack pattern) or a notched specimen (force-displacement, crack path, R-curve, K_IC)",
    bodies=("rve", "specimen"),
    parse=parse_settings,
    run=_run,
    check=check_load_path,
))
