"""A body's displacement and damage stepped together along a load path (phase-field fracture).

:class:`FractureSteps` is the :class:`~solvers.analyses.path_following.SteppedProblem` of the
toughness analyses: each step is an alternate minimisation
(:func:`~solvers.fe.alternate_minimisation.alternate_minimisation`) of a displacement problem
(an RVE under mixed control, or a specimen under a prescribed displacement) and a
:class:`~solvers.fe.phase_field.DamageField`. It remembers what the first displacement solve of
the step gave (before the damage moves), for the exact work of the discrete path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from solvers.analyses.path_following import PathResult
from solvers.fe.alternate_minimisation import StaggeredReport, StaggeredSettings, alternate_minimisation
from solvers.fe.phase_field import DamageField, check_fracture_energies
from solvers.micromechanics.fracture import PhaseFieldModel
from solvers.micromechanics.thin_layer import calibrated_layer_toughness

__all__ = ["FractureSteps", "FractureResult", "phase_fracture_energies"]

logger = logging.getLogger("amorfem.solvers")


def phase_fracture_energies(phases, materials, model: PhaseFieldModel,
                            interfaces: tuple[tuple[str, float, str], ...] = ()
                            ) -> tuple[dict[str, float], dict[str, dict[str, Any]]]:
    """The ``Gc`` (J/m^2) each phase of the damage problem gets, and what was calibrated.

    A phase's ``fracture_energy`` as given, except for the thin layers named in ``interfaces``
    (``(phase, thickness nm, host phase)``): their ``fracture_energy`` is read as the toughness of
    a crack running along the layer, and the phase gets the ``Gc`` that makes the regularised
    crack dissipate exactly that (:func:`~solvers.micromechanics.thin_layer.calibrated_layer_toughness`).

    Returns
    -------
    energies : dict of str to float
        The phases' ``Gc`` (J/m^2).
    calibrated : dict of str to dict
        Per interface: ``thickness_nm``, ``host``, ``interface_J_m2`` (asked) and ``phase_Gc_J_m2``.

    Raises
    ------
    ValueError
        A phase without a fracture energy, or an interface naming an unknown phase or host.
    """
    energies = {p: materials[p].fracture_energy for p in phases if materials[p].fracture_energy is not None}
    check_fracture_energies(phases, energies)
    given = dict(energies)
    calibrated: dict[str, dict[str, Any]] = {}
    for phase, thickness, host in interfaces:
        for role, name in (("phase", phase), ("host", host)):
            if name not in given:
                raise ValueError(f"[analysis] interfaces.{phase}: {role} '{name}' is not a phase of this body; "
                                 f"phases: {sorted(given)}")
        energies[phase] = calibrated_layer_toughness(model, thickness, given[phase], given[host])
        logger.info("toughness: interface '%s' (%.4g nm in '%s'): Gc %.4g J/m^2 along it, phase Gc %.4g J/m^2",
                    phase, thickness, host, given[phase], energies[phase])
        calibrated[phase] = {"thickness_nm": thickness, "host": host, "interface_J_m2": given[phase],
                             "phase_Gc_J_m2": energies[phase]}
    return energies, calibrated


class FractureSteps:
    """Displacement and damage of one body, stepped together.

    Parameters
    ----------
    problem : MacroStrainProblem or SpecimenProblem
        The displacement problem (``solve_to``-like solve, commit/restore, predict, checkpoints).
    damage : DamageField
    staggered : StaggeredSettings
    solve : callable
        ``t -> report``: the displacement solve of the step to pseudo-time ``t``.
    first_pass : callable
        ``() -> dict``: what to remember of the first displacement solve of a step (e.g. the
        stress or force and the energy).
    bound : DissipationBound, optional
        Limits the dissipation of each step; its displacement solve and damage step replace
        ``solve`` and the plain damage solve, and a step it holds short of its target is
        reported ``partial`` (accepted, and the same target tried again).
    """

    def __init__(self, problem, damage: DamageField, staggered: StaggeredSettings,
                 solve: Callable[[float], Any], first_pass: Callable[[], dict[str, Any]], bound=None) -> None:
        self.problem, self.damage, self.staggered = problem, damage, staggered
        self._solve, self._first, self.bound = solve, first_pass, bound
        self.first_pass: dict[str, Any] = {}

    def solve_to(self, t: float) -> StaggeredReport:
        """Alternate minimisation of the step to ``t`` (``report.iterations`` counts passes: the
        stepper grows the steps that take few)."""
        self.first_pass = {}

        def observe(passes: int) -> None:
            if passes == 0:
                self.first_pass = self._first()

        if self.bound is not None:
            self.bound.begin_step()
        report = alternate_minimisation(lambda: self._solve(t), self.damage, self.staggered, observe=observe,
                                        damage_step=self.bound.damage_step if self.bound is not None else None,
                                        set_inexact=getattr(self.problem, "set_inexact", None))
        report.partial = self.bound is not None and report.converged and self.bound.active
        return report

    def commit(self) -> None:
        self.problem.commit()
        self.damage.commit()

    def restore(self) -> None:
        self.problem.restore()
        self.damage.restore()
        self.damage.push_to_laws()

    def committed_arrays(self) -> dict[str, np.ndarray]:
        return self.problem.committed_arrays()

    def predict(self, previous, ratio: float) -> None:
        self.problem.predict(previous, ratio)

    def save_arrays(self) -> dict[str, np.ndarray]:
        return {**self.problem.save_arrays(), "damage": self.damage.d.x.array.copy()}

    def load_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        self.damage.load(arrays["damage"])
        self.damage.push_to_laws()
        self.problem.load_arrays({k: v for k, v in arrays.items() if k != "damage"})


@dataclass(frozen=True, eq=False, kw_only=True)
class FractureResult(PathResult):
    """What both toughness modes return besides their curve (and the fields of :class:`PathResult`).

    Attributes
    ----------
    metrics : dict
        The mode's headline numbers (see :class:`~solvers.analyses.toughness.ToughnessResult`
        and :class:`~solvers.analyses.notched.NotchedResult`).
    energy_balance : float
        Largest ``|W_ext - W_el - W_d - W_released| / W_ext`` along the path.
    model : dict
        The phase-field model (``PhaseFieldModel.to_dict``).
    fracture_energies : dict of str to float
        ``Gc`` of every phase (J/m^2), as the damage problem used it.
    interfaces : dict of str to dict
        The thin layers declared as interfaces (see :func:`phase_fracture_energies`).
    """

    metrics: dict[str, Any]
    energy_balance: float
    model: dict[str, Any]
    fracture_energies: dict[str, float]
    interfaces: dict[str, dict[str, Any]]

    def fracture_summary(self, mode: str, units: str, **extra: Any) -> dict[str, Any]:
        """The JSON-ready summary of a toughness run: ``toughness`` (metrics, model, counts, units) and the common part."""
        steps = len(self.curve["t"]) - 1
        return {
            "toughness": {
                **self.metrics,
                "mode": mode,
                **extra,
                "energy_balance": self.energy_balance,
                "phase_field": self.model,
                "fracture_energies_J_m2": self.fracture_energies,
                "interfaces": self.interfaces,
                "steps": steps,
                "passes_per_step": float(np.mean(self.curve["passes"][1:])) if steps else 0.0,
                "resumed_from_step": self.resumed_from,
                "field_steps": self.steps_written,
                "units": units,
            },
            **self.common_summary(),
        }
