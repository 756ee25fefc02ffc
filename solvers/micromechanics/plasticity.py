"""Yield and hardening data of a phase: von Mises (J2) and Drucker-Prager plasticity (pure data).

Units: stresses and moduli in GPa, plastic strains dimensionless. The return mappings that use
these parameters are in :mod:`solvers.fe.plasticity`.

* :class:`VonMisesPlasticity`: yield when the von Mises stress of ``sigma - X`` reaches
  ``R(p) = sigma_y + H p + (sigma_inf - sigma_y)(1 - exp(-delta p))`` (linear and saturating Voce
  isotropic hardening in the accumulated plastic strain ``p``), with linear kinematic hardening
  ``dX = 2/3 H_k d(eps^p)``. ``H = H_k = 0`` without Voce is perfect plasticity.
* :class:`DruckerPragerPlasticity`: pressure-sensitive yield, ``sqrt(J2) + eta p_m = k(alpha)``
  with ``p_m = tr(sigma) / 3`` (positive in tension), fitted to the uniaxial tensile and
  compressive yield stresses; flow along ``sqrt(J2) + eta_bar p_m`` with ``eta_bar = dilatancy
  x eta`` (1: associated; less: non-associated, less dilatant), linear hardening
  ``k = k_0 + H alpha`` in the plastic multiplier ``alpha``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = ["VonMisesPlasticity", "DruckerPragerPlasticity", "Plasticity", "plasticity_from_spec", "PLASTICITY_MODELS"]


def _positive(name: str, value: float) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ValueError(f"plasticity {name}={value!r} GPa is not allowed; must be > 0")


def _non_negative(name: str, value: float, unit: str = " GPa") -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
        raise ValueError(f"plasticity {name}={value!r}{unit} is not allowed; must be >= 0")


@dataclass(frozen=True)
class VonMisesPlasticity:
    """J2 plasticity with isotropic (linear + Voce) and linear kinematic hardening.

    Parameters
    ----------
    yield_stress : float
        Initial uniaxial yield stress sigma_y (GPa), > 0.
    hardening_modulus : float
        Linear isotropic hardening modulus H (GPa), >= 0.
    saturation_stress : float or None
        Voce saturation stress sigma_inf (GPa), >= sigma_y; None for no Voce term.
    saturation_rate : float
        Voce rate delta (dimensionless), >= 0.
    kinematic_modulus : float
        Linear kinematic hardening modulus H_k (GPa), >= 0.
    source : str
        Where the numbers come from.
    """

    yield_stress: float
    hardening_modulus: float = 0.0
    saturation_stress: float | None = None
    saturation_rate: float = 0.0
    kinematic_modulus: float = 0.0
    source: str = "given inline"

    model: ClassVar[str] = "von_mises"

    def __post_init__(self) -> None:
        _positive("yield_stress", self.yield_stress)
        _non_negative("hardening_modulus", self.hardening_modulus)
        _non_negative("kinematic_modulus", self.kinematic_modulus)
        _non_negative("saturation_rate", self.saturation_rate, unit="")
        if self.saturation_stress is not None and not self.saturation_stress >= self.yield_stress:
            raise ValueError(f"plasticity saturation_stress={self.saturation_stress} GPa must be >= yield_stress="
                             f"{self.yield_stress} GPa")

    @property
    def shear_yield_stress(self) -> float:
        """Initial yield stress in pure shear, sigma_y / sqrt(3) (GPa)."""
        return self.yield_stress / math.sqrt(3.0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (GPa)."""
        return {"model": self.model, "yield_stress": self.yield_stress, "hardening_modulus": self.hardening_modulus,
                "saturation_stress": self.saturation_stress, "saturation_rate": self.saturation_rate,
                "kinematic_modulus": self.kinematic_modulus, "source": self.source}


@dataclass(frozen=True)
class DruckerPragerPlasticity:
    """Pressure-sensitive (Drucker-Prager) plasticity fitted to uniaxial tension and compression.

    Parameters
    ----------
    tensile_yield : float
        Uniaxial tensile yield stress sigma_t (GPa), > 0.
    compressive_yield : float
        Uniaxial compressive yield stress sigma_c (GPa, magnitude), >= sigma_t.
    dilatancy : float
        ``eta_bar / eta`` of the flow potential, in (0, 1]: 1 is associated flow.
    hardening_modulus : float
        Linear hardening of ``k`` per unit plastic multiplier (GPa), >= 0.
    source : str
    """

    tensile_yield: float
    compressive_yield: float
    dilatancy: float = 1.0
    hardening_modulus: float = 0.0
    source: str = "given inline"

    model: ClassVar[str] = "drucker_prager"

    def __post_init__(self) -> None:
        _positive("tensile_yield", self.tensile_yield)
        _positive("compressive_yield", self.compressive_yield)
        _non_negative("hardening_modulus", self.hardening_modulus)
        if self.compressive_yield < self.tensile_yield:
            raise ValueError(f"plasticity compressive_yield={self.compressive_yield} GPa must be >= tensile_yield="
                             f"{self.tensile_yield} GPa (a pressure-sensitive solid is stronger in compression)")
        if not (isinstance(self.dilatancy, (int, float)) and 0 < self.dilatancy <= 1):
            raise ValueError(f"plasticity dilatancy={self.dilatancy!r} is outside the allowed range (0, 1]")

    @property
    def friction(self) -> float:
        """eta: ``3 (sigma_c - sigma_t) / (sqrt(3) (sigma_c + sigma_t))`` (dimensionless)."""
        return 3 * (self.compressive_yield - self.tensile_yield) / (math.sqrt(3) * (self.compressive_yield + self.tensile_yield))

    @property
    def dilation(self) -> float:
        """eta_bar of the flow potential (dimensionless)."""
        return self.dilatancy * self.friction

    @property
    def cohesion(self) -> float:
        """k_0: the yield value of ``sqrt(J2) + eta p_m`` (GPa); uniaxial tension gives ``sigma_t (1/sqrt(3) + eta/3)``."""
        return self.tensile_yield * (1 / math.sqrt(3) + self.friction / 3)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (GPa)."""
        return {"model": self.model, "tensile_yield": self.tensile_yield, "compressive_yield": self.compressive_yield,
                "dilatancy": self.dilatancy, "hardening_modulus": self.hardening_modulus, "source": self.source}


Plasticity = VonMisesPlasticity | DruckerPragerPlasticity

#: Case-file ``model`` -> data class.
PLASTICITY_MODELS: dict[str, type] = {"von_mises": VonMisesPlasticity, "drucker_prager": DruckerPragerPlasticity}


def plasticity_from_spec(spec: Mapping[str, Any], label: str = "material") -> Plasticity:
    """Plasticity data from a case-file table ``{model = "von_mises" | "drucker_prager", ...}``.

    Raises
    ------
    ValueError
        Naming the unknown model or key and what is allowed.
    """
    params = dict(spec)
    model = params.pop("model", None)
    if model not in PLASTICITY_MODELS:
        raise ValueError(f"plasticity of '{label}': model={model!r} is not known; allowed: {', '.join(PLASTICITY_MODELS)}")
    cls = PLASTICITY_MODELS[model]
    allowed = {f for f in cls.__dataclass_fields__}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValueError(f"plasticity of '{label}' ({model}): unknown keys {unknown}; allowed: {sorted(allowed)}")
    try:
        return cls(**params)
    except TypeError as exc:
        raise ValueError(f"plasticity of '{label}' ({model}): {exc}") from exc
