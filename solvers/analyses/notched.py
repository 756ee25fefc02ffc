"""Toughness of a notched specimen: phase-field fracture under displacement control (``mode = "notched"``).

The specimen (:mod:`meshing.specimen`: a microstructure tiled and cut to an outline, with a
notch) is loaded by a prescribed displacement: single-edge-notched tension (the far grip pulled
normal to the notch against the near one, both clamped: ``ymax`` against ``ymin`` for a notch
along x1, ``xmax`` against ``xmin`` for a notch along x2) or three-point bending (the
``load`` patch pushed down between the pinned ``support_left`` and the roller ``support_right``).
Each step minimises the energy by alternate displacement and damage solves
(:mod:`solvers.fe.alternate_minimisation`); cracks may run only inside ``crack_region`` (the mesh
must resolve ``l`` there).

The path prescribes the load-point displacement (``prescribed = "displacement"``) or the
crack-mouth opening of the notch (``prescribed = "opening"``, CMOD control): at fixed damage the
displacement problem is linear, so each pass solves it for a unit load-point displacement and
scales the solution to the asked opening. Opening control follows the load down the snap-back
of a brittle specimen, where displacement control makes the crack jump (and the alternate
minimisation crawl through the jump, about one cell per pass).

Reported per step: the force-displacement curve, the crack-mouth opening, the projected crack extension ``da`` (the
furthest node past the notch tip, along the notch, of the crack: the cells with ``d >= 1/2`` at every node
that are joined to the notch through such cells), the elastic, dissipated
and released energies and the external work. From them the R-curve ``G_R = dW_d / da`` (energy
released per unit crack extension and thickness: J/m^2, from the dissipated energy), its
initiation value ``J_IC`` (``G_R`` at the first crack extension of ``l`` or more), ``K_JC =
sqrt(E' J_IC)``, and ``K_Q`` from the peak force with the specimen's LEFM geometry factor.

Units: lengths nm, forces GPa nm (= N/m, per unit thickness; 2D) or GPa nm^2 (= nN; 3D),
energies GPa nm^2 (= 1e-18 J per nm of thickness; 2D) or GPa nm^3 (= 1e-18 J; 3D), fracture
energies and G_R J/m^2 (= GPa nm), K in MPa m^1/2.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI

from solvers.analyses.fracture_steps import FractureResult, FractureSteps, phase_fracture_energies
from solvers.analyses.path_following import follow_path, path_output
from solvers.fe.alternate_minimisation import StaggeredReport
from solvers.fe.body import owned_phase_tags
from solvers.fe.connectivity import connected_nodes
from solvers.fe.crack_opening import CrackMouthGauge
from solvers.fe.dissipation_bound import DissipationBound
from solvers.fe.linear_solver import SolverOptions
from solvers.fe.phase_field import DamageField, check_resolution, damaged_laws
from solvers.fe.specimen_problem import SpecimenProblem, loading_of

__all__ = ["NotchedResult", "toughness_notched", "sent_geometry_factor", "senb_geometry_factor", "MPA_SQRT_M_PER_GPA_SQRT_NM"]

log = logging.getLogger("amorfem.solvers")

#: 1 GPa nm^1/2 in MPa m^1/2 (1e3 MPa x (1e-9 m)^1/2).
MPA_SQRT_M_PER_GPA_SQRT_NM = 1e3 * math.sqrt(1e-9)


def sent_geometry_factor(ratio: float) -> float:
    """LEFM factor ``F(a/W)`` of a single-edge-cracked plate in uniform tension, ``K = sigma sqrt(pi a) F``
    (Tada, Paris & Irwin, The Stress Analysis of Cracks Handbook; within 0.5 % for a/W <= 0.6)."""
    r = ratio
    return 1.12 - 0.231 * r + 10.55 * r**2 - 21.72 * r**3 + 30.39 * r**4


def senb_geometry_factor(ratio: float, span_to_depth: float) -> float:
    """LEFM factor ``f(a/W)`` of three-point bending with ``S/W = 4``, ``K = P S / (B W^3/2) f``
    (ASTM E399; per unit thickness ``B = 1``). Other span ratios are refused."""
    if abs(span_to_depth - 4.0) > 1e-6:
        raise ValueError(f"the SENB geometry factor is tabulated for S/W = 4, not {span_to_depth:g}")
    r = ratio
    return 3 * math.sqrt(r) * (1.99 - r * (1 - r) * (2.15 - 3.93 * r + 2.7 * r**2)) / (2 * (1 + 2 * r) * (1 - r) ** 1.5)


@dataclass(frozen=True, eq=False, kw_only=True)
class NotchedResult(FractureResult):
    """A notched specimen loaded to failure.

    Attributes
    ----------
    curve : dict of str to list
        Per accepted step: ``t``, ``displacement`` (load point, nm), ``opening`` (crack mouth,
        nm), ``force``, ``crack_extension`` (nm), ``bounded`` (1: a state the dissipation bound
        held short of its target), ``krylov`` (iterations of the displacement solves),
        ``passes``, ``newton``, ``damage_iterations``, ``max_damage``, and ``elastic_energy``,
        ``dissipated_energy``, ``released_energy``, ``external_work`` (module docstring units).
    metrics : dict
        ``peak_force``, ``displacement_at_peak``, ``K_Q_MPa_sqrt_m`` (LEFM from the peak force),
        ``J_IC_J_m2`` and ``K_JC_MPa_sqrt_m`` (from the R-curve at initiation), ``R_curve``
        (``{"crack_extension_nm": [...], "G_R_J_m2": [...]}``), ``work_of_fracture``.
    """

    loading: str

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (units in ``toughness.units``)."""
        return self.fracture_summary(
            "notched", "lengths nm; force GPa nm (= N/m per unit thickness, 2D) or GPa nm^2 (= nN, 3D); energies "
            "GPa nm^2 (2D, per nm of thickness) or GPa nm^3 (3D) (1 GPa nm^3 = 1e-18 J); G_R and Gc J/m^2; K MPa m^1/2",
            loading=self.loading)

    def headline(self) -> str:
        """Peak force and the effective toughness for the log."""
        m = self.metrics
        j = "n/a" if m["J_IC_J_m2"] is None else f"{m['J_IC_J_m2']:.4g} J/m^2"
        return (f"{self.loading}: peak force {m['peak_force']:.4g} at {m['displacement_at_peak']:.4g} nm, "
                f"K_Q {m['K_Q_MPa_sqrt_m']:.4g} MPa m^1/2, J_IC {j}")


_CSV_COLUMNS = ("t", "displacement", "opening", "force", "crack_extension", "passes", "bounded", "newton", "krylov",
                "damage_iterations", "max_damage",
                "elastic_energy", "dissipated_energy", "released_energy", "external_work")


def _plane_modulus(material) -> float:
    """E' of plane strain (2D) or E (3D is reported with E'): E / (1 - nu^2) of an isotropic phase, GPa."""
    if not material.is_isotropic:
        return float(1.0 / np.linalg.inv(material.stiffness)[0, 0])
    return material.E / (1 - material.nu**2)


def r_curve(extension: np.ndarray, dissipated: np.ndarray, thickness: float, minimum_step: float) -> tuple[list, list]:
    """``G_R = dW_d / da`` per unit thickness (J/m^2) where the crack has grown by at least ``minimum_step`` (nm).

    Differences are taken between successive points of the curve whose extension differs by at
    least ``minimum_step``; each value sits at the midpoint of its interval.
    """
    points, values = [], []
    k0 = 0
    for k in range(1, extension.size):
        if extension[k] - extension[k0] >= minimum_step:
            points.append(float(0.5 * (extension[k] + extension[k0])))
            values.append(float((dissipated[k] - dissipated[k0]) / ((extension[k] - extension[k0]) * thickness)))
            k0 = k
    return points, values


def toughness_notched(specimen, materials, settings, degree: int = 1, solver: SolverOptions | None = None,
                      directory=None, run_key: str = "") -> NotchedResult:
    """Load a notched specimen to failure by phase-field fracture.

    Parameters
    ----------
    specimen : Specimen
        Meshed notched body (nm), with one notch.
    materials : mapping of str to Material
        Phase materials (GPa), each with a ``fracture_energy`` (J/m^2).
    settings : ToughnessSettings
        ``mode = "notched"``: ``displacement`` knots (nm), ``crack_region``, the phase-field model.
    degree : int
    solver : SolverOptions, optional
        Linear solver of the displacement Newton (default MUMPS).
    directory : path, optional
    run_key : str

    Returns
    -------
    NotchedResult
    """
    comm = specimen.comm
    start_time = MPI.Wtime()
    model = settings.phase_field()
    geometry = specimen.geometry
    if len(geometry.notches) != 1:
        raise ValueError(f"a notched toughness analysis needs a specimen with one notch; this one has {len(geometry.notches)}")
    notch = geometry.notches[0]
    energies, calibrated = phase_fracture_energies(specimen.phases, materials, model, settings.interfaces)
    region = settings.crack_region
    check_resolution(specimen, model, settings.cells_per_length, region)
    kind = "bending" if "load" in specimen.boundaries else "tension"
    loading = loading_of(specimen, kind)
    solver = solver if solver is not None else SolverOptions(method="mumps")
    problem = SpecimenProblem(specimen, damaged_laws(materials, model), loading, degree=degree, solver=solver)
    damage = DamageField(specimen, problem.laws, energies, model, periodic=False, region=region)
    gauge = CrackMouthGauge(problem.V, notch, geometry.outline)
    by_opening = settings.prescribed == "opening"
    knots = np.asarray(settings.opening if by_opening else settings.displacement, float)
    lengths = np.abs(np.diff(knots))
    times = np.concatenate([[0.0], np.cumsum(lengths) / lengths.sum()])

    dim = specimen.dim
    thickness = 1.0 if dim == 2 else geometry.outline.lengths[2]
    bound = None
    if settings.crack_growth_per_step is not None:
        bound = DissipationBound(lambda w: problem.solve_opening(w, gauge), problem.scale_load, damage,
                                 settings.crack_growth_per_step * max(energies.values()) * thickness)

    def solve(t: float):
        target = float(np.interp(t, times, knots))
        if bound is not None:
            return bound.solve_displacement(target)
        return problem.solve_opening(target, gauge) if by_opening else problem.solve(target)

    steps = FractureSteps(problem, damage, settings.staggered, solve,
                          lambda: {"force": problem.reaction(), "displacement": problem.load_displacement,
                                   "energy": problem.state_average("elastic_energy") + damage.dissipated_energy() * damage.volume
                                   - initial_dissipation},
                          bound=bound)
    directory = Path(directory) if directory is not None else None
    tip = np.asarray(notch.tip_point(geometry.outline))
    axis = notch.axis
    inward = 1.0 if notch.face.endswith("min") else -1.0
    x = damage.space.tabulate_dof_coordinates()[:, :dim]
    n_owned = damage.space.dofmap.index_map.size_local

    from dolfinx import fem

    notch_nodes = fem.locate_dofs_topological(damage.space, dim - 1, specimen.facets_of("notch"))
    cell_nodes = damage.space.dofmap.list

    def crack_extension() -> float:
        # the crack is the broken cells (d >= 1/2 at every node) joined to the notch; damage that
        # opens elsewhere (a head joint ahead of the crack) is not crack growth until it joins
        values = damage.d.x.array
        crack = connected_nodes(damage.space, np.all(values[cell_nodes] >= 0.5, axis=1), notch_nodes)[:n_owned]
        local = float(np.max(inward * (x[:n_owned][crack, axis] - tip[axis]), initial=0.0))
        return max(comm.allreduce(local, op=MPI.MAX), 0.0)

    initial_dissipation = 0.0
    curve: dict[str, list] = {key: [] for key in _CSV_COLUMNS}
    curve.update(strain=[], stress=[])

    def record(t: float, report: StaggeredReport | None) -> None:
        force = problem.reaction()
        delta = problem.load_displacement
        elastic = problem.state_average("elastic_energy")
        dissipated = damage.dissipated_energy() * damage.volume - initial_dissipation
        if curve["t"] and not by_opening:
            # load at fixed damage to the new displacement, then let the damage evolve there
            first = steps.first_pass or {"force": force, "energy": elastic + dissipated}
            work = curve["external_work"][-1] + 0.5 * (first["force"] + curve["force"][-1]) * (delta - curve["displacement"][-1]) * thickness
            released = curve["released_energy"][-1] + max(first["energy"] - (elastic + dissipated), 0.0)
        elif curve["t"]:
            # the opening-controlled path is followed through its equilibria: the trapezoidal work
            # of the force along it, with nothing released (the balance measures how well it is followed)
            work = curve["external_work"][-1] + 0.5 * (force + curve["force"][-1]) * (delta - curve["displacement"][-1]) * thickness
            released = 0.0
        else:
            work = released = 0.0
        counts = (report.iterations, report.newton, report.damage_iterations, report.krylov) if report else (0, 0, 0, 0)
        max_damage = comm.allreduce(float(damage.d.x.array.max(initial=0.0)), op=MPI.MAX)
        for key, value in (("t", t), ("displacement", delta), ("opening", gauge.value(problem.u)), ("force", force),
                           ("crack_extension", crack_extension()), ("passes", counts[0]), ("bounded", float(bool(report is not None and report.partial))),
                           ("newton", counts[1]), ("krylov", counts[3]), ("damage_iterations", counts[2]),
                           ("max_damage", max_damage), ("elastic_energy", elastic), ("dissipated_energy", dissipated),
                           ("released_energy", released), ("external_work", work)):
            curve[key].append(float(value))
        curve["strain"].append([0.0] * 6)
        curve["stress"].append([0.0] * 6)

    if settings.notch_damage:
        values = damage.d.x.array.copy()
        values[notch_nodes] = np.minimum(1.0, damage.upper.x.array[notch_nodes])
        damage.load(values)
        # relax it into the optimal profile at zero load (d = 1 on the faces): the crack's lips
        damage.push_to_laws()
        problem._evaluate()
        damage.set_driving()
        damage.solve()
        damage.commit()
    initial_dissipation = damage.dissipated_energy() * damage.volume
    damage.push_to_laws()
    problem._evaluate()
    record(0.0, None)

    def cell_state() -> dict[str, np.ndarray]:
        return {"damage": problem.laws.cell_average("damage").astype(np.float32), "phase": owned_phase_tags(specimen)}

    def describe() -> str:
        held = " (held by the dissipation bound)" if bound is not None and bound.active else ""
        return (f"displacement {curve['displacement'][-1]:.4g} nm opening {curve['opening'][-1]:.4g} nm force {curve['force'][-1]:.5g}, crack extension "
                f"{curve['crack_extension'][-1]:.4g} nm, {curve['passes'][-1]:.0f} passes{held}")

    def lost() -> bool:
        f = np.asarray(curve["force"])
        return bool(f.max() > 0 and np.argmax(f) < f.size - 1 and f[-1] < settings.stop_at * f.max())

    output = path_output(directory, settings, specimen.mesh, curve, _CSV_COLUMNS,
                         "phase-field fracture of a notched specimen; displacement nm, force GPa nm (2D, per unit "
                         "thickness) or GPa nm^2 (3D), energies GPa nm^2 (2D) or GPa nm^3 (3D)",
                         problem.displacement, cell_state)
    output = type(output)(**{**output.__dict__, "fields_key": "displacement"})
    run = follow_path(steps, settings.step_settings(), times, curve, record, output, run_key, comm, "toughness",
                      describe=describe, stop=lost)

    force, delta = np.asarray(curve["force"]), np.asarray(curve["displacement"])
    k = int(np.argmax(force))
    E_prime = min(_plane_modulus(materials[p]) for p in specimen.phases)
    a, outline = notch.depth, geometry.outline.lengths
    if kind == "tension":
        W = outline[notch.axis]     # the ligament runs along the notch
        K_Q = force[k] / W * math.sqrt(math.pi * a) * sent_geometry_factor(a / W)
    else:
        depth = outline[1]
        span = outline[0] - 2 * min(p.lower + (p.upper - p.lower) / 2 for p in geometry.patches if p.name == "support_left")
        try:
            K_Q = force[k] * span / depth**1.5 * senb_geometry_factor(a / depth, span / depth)
        except ValueError:
            K_Q = float("nan")
    points, values = r_curve(np.asarray(curve["crack_extension"]), np.asarray(curve["dissipated_energy"]), thickness,
                             model.length)
    J_IC = values[0] if values else None
    external = np.asarray(curve["external_work"])
    stored = np.asarray(curve["elastic_energy"]) + np.asarray(curve["dissipated_energy"]) + np.asarray(curve["released_energy"])
    scale = np.maximum(np.abs(external), 1e-300)
    balance = float(np.max(np.abs(external - stored)[1:] / scale[1:])) if external.size > 1 else 0.0
    metrics = {
        "peak_force": float(force[k]),
        "displacement_at_peak": float(delta[k]),
        "K_Q_MPa_sqrt_m": float(K_Q * MPA_SQRT_M_PER_GPA_SQRT_NM),
        "J_IC_J_m2": J_IC,
        "K_JC_MPa_sqrt_m": None if J_IC is None else float(math.sqrt(E_prime * J_IC) * MPA_SQRT_M_PER_GPA_SQRT_NM),
        "R_curve": {"crack_extension_nm": points, "G_R_J_m2": values},
        "crack_extension_nm": float(curve["crack_extension"][-1]),
        "work_of_fracture": float(external[-1]),
        "dissipated_energy": float(curve["dissipated_energy"][-1]),
        "plane_modulus_GPa": E_prime,
        "prescribed": settings.prescribed,
        "bounded_steps": int(sum(curve["bounded"])),
        "displacement_factorisations": problem.factorisations,
    }
    cells = cell_state()
    cells.pop("phase")
    timings = {"displacement": run.seconds.get("displacement", 0.0), "damage": run.seconds.get("damage", 0.0),
               "total": comm.allreduce(MPI.Wtime() - start_time, op=MPI.MAX)}
    result = NotchedResult(
        curve=curve, metrics=metrics, energy_balance=balance, loading=kind, model=model.to_dict(),
        fracture_energies=dict(energies), interfaces=calibrated, timings=timings, cell_fields=cells,
        steps_written=run.written, dofs=problem.V.dofmap.index_map.size_global * dim, ranks=comm.size,
        volume_fractions=dict(specimen.volume_fractions),
        density=float(sum(f * materials[p].density for p, f in specimen.volume_fractions.items())),
        resumed_from=run.resumed_from, point_fields=(problem.displacement(),),
    )
    damage.destroy()
    problem.destroy()
    return result
