"""Small-strain plasticity at quadrature points: return mapping and consistent tangent, vectorised.

Both laws act on all points of a phase at once (NumPy; the only loop is the scalar Newton of the
Voce hardening, over iterations, not points) and follow :class:`solvers.fe.constitutive.ConstitutiveLaw`.
Elasticity is isotropic (bulk K, shear G). Conventions: Voigt order 11, 22, 33, 23, 13, 12;
strains engineering, stresses tensorial (:mod:`solvers.micromechanics.voigt`); GPa.

* :class:`VonMises` (J2): radial return; closed form for linear hardening, a scalar Newton per
  point for Voce; tangent of Simo & Hughes (1998, Box 3.2) for combined isotropic/kinematic
  hardening: ``C = K m m^T + 2 G theta P_dev - 2 G theta_bar n n^T``.
* :class:`DruckerPrager`: return to the smooth cone (closed form for linear hardening) or, when
  that would cross the axis, to the apex (de Souza Neto, Peric & Owen, Computational Methods for
  Plasticity, 2008, section 8.3); associated or not (the tangent is not symmetric then).

State per point: ``plastic_strain`` (6, engineering), ``equivalent_plastic_strain`` (accumulated
``sqrt(2/3 de^p : de^p)``), ``plastic_work`` (accumulated ``sigma : d eps^p``, GPa), and
``backstress`` (6, GPa; J2) or ``hardening`` (plastic multiplier; Drucker-Prager).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from solvers.fe.constitutive import ConstitutiveLaw, LawUpdate, LinearElastic, MaterialLaw
from solvers.micromechanics.materials import Material, bulk_shear_from_E_nu
from solvers.micromechanics.plasticity import DruckerPragerPlasticity, VonMisesPlasticity

__all__ = ["VonMises", "DruckerPrager", "law_for", "laws_for", "deviatoric_norm"]

#: Tensor-norm weights of Voigt components (shears count twice in s : s).
_WEIGHTS = np.array([1.0, 1.0, 1.0, 2.0, 2.0, 2.0])
#: Engineering-strain factors of Voigt components.
_ENGINEERING = _WEIGHTS
_M = np.array([1.0, 1.0, 1.0, 0.0, 0.0, 0.0])
_P_DEV = np.diag([1.0, 1.0, 1.0, 0.5, 0.5, 0.5]) - np.outer(_M, _M) / 3.0
#: Relative size of a yield function below which a point is elastic.
_YIELD_TOLERANCE = 1e-12


def _deviator(stress: np.ndarray) -> np.ndarray:
    return stress - np.outer(stress[:, :3].mean(axis=1), _M)


def deviatoric_norm(stress: np.ndarray) -> np.ndarray:
    """Tensor norm ``sqrt(s : s)`` of the deviator of Voigt stresses (n, 6) (GPa)."""
    s = _deviator(stress)
    return np.sqrt(np.einsum("ni,i,ni->n", s, _WEIGHTS, s))


def _isotropic(material: Material) -> tuple[float, float, np.ndarray]:
    if material.E is None or material.nu is None:
        raise ValueError(f"material '{material.name}': plasticity needs isotropic elasticity (E, nu)")
    K, G = bulk_shear_from_E_nu(material.E, material.nu)
    return K, G, material.stiffness


@dataclass(frozen=True, eq=False)
class _PlasticLaw(MaterialLaw):
    """What both plasticity laws share: an isotropic material with yield data of ``data_type``."""

    data_type: ClassVar[type] = VonMisesPlasticity

    def __post_init__(self) -> None:
        if not isinstance(self.material.plasticity, self.data_type):
            raise ValueError(f"material '{self.material.name}' has no {self.data_type.model} plasticity data")
        _isotropic(self.material)


@dataclass(frozen=True, eq=False)
class VonMises(_PlasticLaw):
    """J2 plasticity of an isotropic material with :class:`~solvers.micromechanics.plasticity.VonMisesPlasticity` data."""

    data_type = VonMisesPlasticity
    state = {"plastic_strain": (6,), "equivalent_plastic_strain": (), "backstress": (6,), "plastic_work": ()}

    def flow_stress(self, p: np.ndarray) -> np.ndarray:
        """Isotropic yield stress R(p) (GPa) at accumulated plastic strain ``p``."""
        data = self.material.plasticity
        R = data.yield_stress + data.hardening_modulus * p
        if data.saturation_stress is not None:
            R = R + (data.saturation_stress - data.yield_stress) * (1 - np.exp(-data.saturation_rate * p))
        return R

    def _slope(self, p: np.ndarray) -> np.ndarray:
        data = self.material.plasticity
        slope = np.full_like(p, data.hardening_modulus)
        if data.saturation_stress is not None:
            slope += (data.saturation_stress - data.yield_stress) * data.saturation_rate * np.exp(-data.saturation_rate * p)
        return slope

    def _increment(self, q_trial: np.ndarray, p: np.ndarray, G: float) -> np.ndarray:
        """Solve ``q_trial - (3G + H_k) dp - R(p + dp) = 0`` for dp at every plastic point."""
        data = self.material.plasticity
        stiff = 3 * G + data.kinematic_modulus
        dp = (q_trial - self.flow_stress(p)) / (stiff + self._slope(p))
        if data.saturation_stress is None:
            return dp  # linear hardening: closed form
        for _ in range(50):
            residual = q_trial - stiff * dp - self.flow_stress(p + dp)
            if np.all(np.abs(residual) <= 1e-14 * q_trial):
                return dp
            dp = dp + residual / (stiff + self._slope(p + dp))
        raise RuntimeError(f"the Voce return mapping of '{self.name}' did not converge in 50 iterations")

    def update(self, strain: np.ndarray, state: Mapping[str, np.ndarray]) -> LawUpdate:
        """Radial return from the committed ``state`` at total Voigt strains ``strain`` (n, 6)."""
        K, G, C = _isotropic(self.material)
        H_k = self.material.plasticity.kinematic_modulus
        n = strain.shape[0]
        ep, p, X = state["plastic_strain"], state["equivalent_plastic_strain"], state["backstress"]
        trial = (strain - ep) @ C.T
        eta = _deviator(trial) - X
        norm = np.sqrt(np.einsum("ni,i,ni->n", eta, _WEIGHTS, eta))
        q = np.sqrt(1.5) * norm
        R = self.flow_stress(p)
        yielding = q - R > _YIELD_TOLERANCE * R

        stress, tangent = trial.copy(), np.broadcast_to(C, (n, 6, 6)).copy()
        new = {"plastic_strain": ep.copy(), "equivalent_plastic_strain": p.copy(), "backstress": X.copy(),
               "plastic_work": state["plastic_work"].copy()}
        if np.any(yielding):
            qy, py = q[yielding], p[yielding]
            dp = self._increment(qy, py, G)
            unit = eta[yielding] / norm[yielding][:, None]              # n: unit deviatoric direction
            flow = np.sqrt(1.5) * unit                                   # N = 3/2 eta / q
            stress[yielding] = trial[yielding] - 2 * G * dp[:, None] * flow
            d_plastic = dp[:, None] * flow * _ENGINEERING
            new["plastic_strain"][yielding] += d_plastic
            new["equivalent_plastic_strain"][yielding] += dp
            new["backstress"][yielding] += (2.0 / 3.0) * H_k * dp[:, None] * flow
            new["plastic_work"][yielding] += np.einsum("ni,ni->n", stress[yielding], d_plastic)
            theta = 1 - 3 * G * dp / qy
            theta_bar = 1 / (1 + (self._slope(py + dp) + H_k) / (3 * G)) - (1 - theta)
            tangent[yielding] = (K * np.outer(_M, _M)[None] + 2 * G * theta[:, None, None] * _P_DEV[None]
                                 - 2 * G * theta_bar[:, None, None] * np.einsum("ni,nj->nij", unit, unit))
        return LawUpdate(stress, tangent, new)


@dataclass(frozen=True, eq=False)
class DruckerPrager(_PlasticLaw):
    """Drucker-Prager plasticity of an isotropic material with
    :class:`~solvers.micromechanics.plasticity.DruckerPragerPlasticity` data."""

    data_type = DruckerPragerPlasticity
    state = {"plastic_strain": (6,), "equivalent_plastic_strain": (), "hardening": (), "plastic_work": ()}

    def update(self, strain: np.ndarray, state: Mapping[str, np.ndarray]) -> LawUpdate:
        """Return to the cone or its apex from the committed ``state`` at Voigt strains ``strain`` (n, 6)."""
        K, G, C = _isotropic(self.material)
        data = self.material.plasticity
        eta, eta_bar, H = data.friction, data.dilation, data.hardening_modulus
        n = strain.shape[0]
        ep, alpha = state["plastic_strain"], state["hardening"]
        trial = (strain - ep) @ C.T
        s_trial = _deviator(trial)
        s_norm = np.sqrt(np.einsum("ni,i,ni->n", s_trial, _WEIGHTS, s_trial))
        sqrt_J2 = s_norm / np.sqrt(2.0)
        p_trial = trial[:, :3].mean(axis=1)
        k = data.cohesion + H * alpha
        phi = sqrt_J2 + eta * p_trial - k
        yielding = phi > _YIELD_TOLERANCE * k

        stress, tangent = trial.copy(), np.broadcast_to(C, (n, 6, 6)).copy()
        new = {"plastic_strain": ep.copy(), "equivalent_plastic_strain": state["equivalent_plastic_strain"].copy(),
               "hardening": alpha.copy(), "plastic_work": state["plastic_work"].copy()}
        if not np.any(yielding):
            return LawUpdate(stress, tangent, new)
        A = G + K * eta * eta_bar + H
        gamma = np.where(yielding, phi / A, 0.0)
        cone = yielding & (sqrt_J2 - G * gamma >= 0)
        apex = yielding & ~cone
        mm = np.outer(_M, _M)

        if np.any(cone):
            g, J, unit = gamma[cone], sqrt_J2[cone], s_trial[cone] / s_norm[cone][:, None]
            a = G * g / J
            stress[cone] = (1 - a)[:, None] * s_trial[cone] + (p_trial[cone] - K * eta_bar * g)[:, None] * _M
            d_plastic = (g[:, None] * (unit / np.sqrt(2.0) + eta_bar / 3.0 * _M)) * _ENGINEERING
            new["plastic_strain"][cone] += d_plastic
            new["hardening"][cone] += g
            new["equivalent_plastic_strain"][cone] += g / np.sqrt(3.0)
            new["plastic_work"][cone] += np.einsum("ni,ni->n", stress[cone], d_plastic)
            nn = np.einsum("ni,nj->nij", unit, unit)
            nm = np.einsum("ni,j->nij", unit, _M)
            tangent[cone] = (2 * G * (1 - a)[:, None, None] * _P_DEV[None] + 2 * G * (a - G / A)[:, None, None] * nn
                             - np.sqrt(2.0) * G * eta * K / A * nm - np.sqrt(2.0) * G * K * eta_bar / A * np.swapaxes(nm, 1, 2)
                             + K * (1 - K * eta * eta_bar / A) * mm[None])
        if np.any(apex):
            volumetric = (eta * p_trial[apex] - k[apex]) / (eta * K + H / eta_bar)
            stress[apex] = np.outer(p_trial[apex] - K * volumetric, _M)
            d_plastic = (s_trial[apex] / (2 * G) + np.outer(volumetric / 3.0, _M)) * _ENGINEERING
            new["plastic_strain"][apex] += d_plastic
            new["hardening"][apex] += volumetric / eta_bar
            new["equivalent_plastic_strain"][apex] += np.sqrt(2.0 / 3.0) * s_norm[apex] / (2 * G)
            new["plastic_work"][apex] += np.einsum("ni,ni->n", stress[apex], d_plastic)
            tangent[apex] = K * (H / eta_bar) / (eta * K + H / eta_bar) * mm[None]
        return LawUpdate(stress, tangent, new)


def law_for(material: Material) -> ConstitutiveLaw:
    """The constitutive law of a material: its plasticity model if it has one, else linear elasticity."""
    if isinstance(material.plasticity, VonMisesPlasticity):
        return VonMises(material)
    if isinstance(material.plasticity, DruckerPragerPlasticity):
        return DruckerPrager(material)
    return LinearElastic(material)


def laws_for(materials: Mapping[str, Material]) -> dict[str, ConstitutiveLaw]:
    """The law of every phase's material."""
    return {phase: law_for(material) for phase, material in materials.items()}
