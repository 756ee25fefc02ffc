"""Variational phase-field fracture, pure NumPy: AT1/AT2 models, degradation, energy splits.

The regularised energy of a body with displacement ``u`` and damage ``d`` in [0, 1]:

    E(u, d) = integral  g(d) psi+(eps) + psi-(eps)  +  Gc / c_w (w(d) / l + l |grad d|^2)  dx

with ``g(d) = (1 - k) (1 - d)^2 + k`` (``k`` a small residual stiffness), ``w(d) = d`` (AT1,
``c_w = 8/3``: an elastic stage, then damage) or ``w(d) = d^2`` (AT2, ``c_w = 2``: damage from the
first load), ``l`` the regularisation length and ``Gc`` the fracture energy of the phase. A fully
formed crack dissipates ``Gc`` per unit area (Bourdin, Francfort & Marigo 2008; Pham, Amor,
Marigo & Maurini 2011). The split of the elastic energy ``psi = psi+ + psi-`` decides which part
the damage degrades:

* ``"none"``: all of it (any anisotropy);
* ``"volumetric_deviatoric"`` (Amor, Marigo & Maurini 2009): ``psi+ = K/2 <tr eps>+^2 + mu eps_d : eps_d``;
* ``"spectral"`` (Miehe, Welschinger & Hofacker 2010): ``psi+ = lambda/2 <tr eps>+^2 + mu sum <eps_i>+^2``.

The two splits need an isotropic phase. With ``hybrid`` (Ambati, Gerasimov & De Lorenzis 2015)
the split only drives the damage (``psi+``), while the stress degrades isotropically,
``sigma = g(d) C eps``: the displacement step stays linear at fixed damage (one linear solve per
pass instead of a Newton of the split), and compressed regions still do not damage (their
``psi+`` vanishes). The model is then not the minimiser of one energy; the bookkeeping of the
analyses still closes (what is not stored or dissipated is reported as released).

Strains are Voigt 6-vectors with engineering shears, stresses Voigt (GPa), tangents 6x6 (GPa),
energy densities GPa, lengths nm, fracture energies J/m^2 (= GPa nm).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["MODELS", "SPLITS", "PhaseFieldModel", "SplitEnergy", "split_energy", "tensile_energy", "principal_strains",
           "critical_stress", "elastic_limit_strain", "effective_toughness_factor"]

MODELS = ("AT1", "AT2")
SPLITS = ("none", "volumetric_deviatoric", "spectral")

_VOIGT_PAIRS = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))


@dataclass(frozen=True)
class PhaseFieldModel:
    """The phase-field model of a toughness analysis.

    Parameters
    ----------
    model : {"AT1", "AT2"}
        Dissipation function ``w(d) = d`` (AT1) or ``d^2`` (AT2).
    length : float
        Regularisation length ``l`` (nm), > 0.
    split : {"none", "volumetric_deviatoric", "spectral"}
        Which part of the elastic energy damage degrades.
    residual : float
        Residual stiffness ``k`` of a broken point, in [0, 1e-2].
    hybrid : bool
        The split drives the damage only; the stress degrades isotropically (see the module).
    """

    model: str = "AT1"
    length: float = 1.0
    split: str = "none"
    residual: float = 1e-6
    hybrid: bool = False

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"phase-field model={self.model!r} is not known; allowed: {', '.join(MODELS)}")
        if self.split not in SPLITS:
            raise ValueError(f"phase-field split={self.split!r} is not known; allowed: {', '.join(SPLITS)}")
        if not (math.isfinite(self.length) and self.length > 0):
            raise ValueError(f"phase-field length={self.length} nm is not allowed; must be > 0")
        if not 0 <= self.residual <= 1e-2:
            raise ValueError(f"phase-field residual={self.residual} is outside the allowed range [0, 0.01]")
        if not isinstance(self.hybrid, bool):
            raise ValueError(f"phase-field hybrid={self.hybrid!r} must be true or false")

    @property
    def c_w(self) -> float:
        """Normalisation ``c_w = 4 int_0^1 sqrt(w(s)) ds``: 8/3 (AT1) or 2 (AT2)."""
        return 8.0 / 3.0 if self.model == "AT1" else 2.0

    def w(self, d: np.ndarray) -> np.ndarray:
        """Dissipation function ``w(d)``."""
        return d if self.model == "AT1" else d * d

    def w_prime(self, d: np.ndarray) -> np.ndarray:
        """``w'(d)``."""
        return np.ones_like(d) if self.model == "AT1" else 2.0 * d

    def degradation(self, d: np.ndarray) -> np.ndarray:
        """``g(d) = (1 - k) (1 - d)^2 + k``."""
        return (1.0 - self.residual) * (1.0 - d) ** 2 + self.residual

    def degradation_prime(self, d: np.ndarray) -> np.ndarray:
        """``g'(d) = -2 (1 - k) (1 - d)``."""
        return -2.0 * (1.0 - self.residual) * (1.0 - d)

    def to_dict(self) -> dict:
        """JSON-ready description (nm)."""
        return {"model": self.model, "length_nm": self.length, "split": self.split, "residual_stiffness": self.residual,
                "hybrid": self.hybrid}


def critical_stress(model: PhaseFieldModel, E: float, Gc: float) -> float:
    """Peak stress of a homogeneous bar in uniaxial stress, no split (GPa).

    AT1: ``sqrt(3 E Gc / (8 l))`` (the elastic limit); AT2: ``sqrt(27 E Gc / (256 l))`` (the
    maximum of the damaging homogeneous branch). ``E`` (GPa) is the modulus of the loading state,
    ``Gc`` in J/m^2 (= GPa nm), ``l`` in nm. Exact for ``k = 0``; with ``k > 0`` the difference is
    of order ``k``.
    """
    l = model.length
    if model.model == "AT1":
        return math.sqrt(3.0 * E * Gc / (8.0 * l))
    return math.sqrt(27.0 * E * Gc / (256.0 * l))


def elastic_limit_strain(model: PhaseFieldModel, E: float, Gc: float) -> float:
    """AT1: the strain at which a homogeneous bar in uniaxial stress starts to damage (``sigma_c / E``); AT2: 0."""
    return critical_stress(model, E, Gc) / E if model.model == "AT1" else 0.0


def effective_toughness_factor(model: PhaseFieldModel, h: float) -> float:
    """The discrete crack's toughness over ``Gc`` on a mesh of size ``h`` (nm): ``1 + h / (c_w l)``.

    AT1 ``1 + 3 h / (8 l)``, AT2 ``1 + h / (2 l)`` (Bourdin, Francfort & Marigo 2008, whose
    ``c_w`` is a quarter of this module's): linear elements overestimate the fracture energy.
    """
    return 1.0 + h / (model.c_w * model.length)


@dataclass(frozen=True, eq=False)
class SplitEnergy:
    """The split elastic state at ``n`` points.

    Attributes
    ----------
    positive, negative : numpy.ndarray, shape (n,)
        ``psi+`` and ``psi-`` (GPa).
    stress_positive, stress_negative : numpy.ndarray, shape (n, 6)
        Their strain derivatives (Voigt, GPa).
    tangent_positive, tangent_negative : numpy.ndarray, shape (n, 6, 6)
        Their second derivatives (GPa).
    """

    positive: np.ndarray
    negative: np.ndarray
    stress_positive: np.ndarray
    stress_negative: np.ndarray
    tangent_positive: np.ndarray
    tangent_negative: np.ndarray


def _tensor(strain: np.ndarray) -> np.ndarray:
    """Symmetric strain tensors (n, 3, 3) from Voigt strains with engineering shears (n, 6)."""
    e = np.empty((strain.shape[0], 3, 3))
    for k, (i, j) in enumerate(_VOIGT_PAIRS):
        value = strain[:, k] if i == j else 0.5 * strain[:, k]
        e[:, i, j] = value
        e[:, j, i] = value
    return e


def _voigt_stress(s: np.ndarray) -> np.ndarray:
    """Voigt stresses (n, 6) from symmetric tensors (n, 3, 3)."""
    return np.stack([s[:, i, j] for i, j in _VOIGT_PAIRS], axis=1)


def split_energy(strain: np.ndarray, stiffness: np.ndarray, split: str, lame: tuple[float, float] | None = None) -> SplitEnergy:
    """Split the elastic energy of ``n`` strains (Voigt, engineering shears).

    Parameters
    ----------
    strain : numpy.ndarray, shape (n, 6)
    stiffness : numpy.ndarray, shape (6, 6)
        The phase's Voigt stiffness (GPa); used as is by ``"none"``.
    split : {"none", "volumetric_deviatoric", "spectral"}
    lame : (float, float), optional
        Lame's ``lambda`` and ``mu`` (GPa) of an isotropic phase; required by the two splits.

    Returns
    -------
    SplitEnergy
    """
    n = strain.shape[0]
    if split == "none":
        stress = strain @ stiffness.T
        return SplitEnergy(positive=0.5 * np.einsum("ni,ni->n", strain, stress), negative=np.zeros(n),
                           stress_positive=stress, stress_negative=np.zeros_like(stress),
                           tangent_positive=np.broadcast_to(stiffness, (n, 6, 6)),
                           tangent_negative=np.zeros((n, 6, 6)))
    lam, mu = _split_lame(split, lame)
    one = np.array([1.0, 1.0, 1.0, 0.0, 0.0, 0.0])
    trace = strain[:, :3].sum(axis=1)
    tension = trace >= 0.0
    if split == "volumetric_deviatoric":
        K = lam + 2.0 * mu / 3.0
        deviator = strain - np.outer(trace / 3.0, one)
        deviator_tensor = _tensor(deviator)
        deviatoric_energy = mu * np.einsum("nij,nij->n", deviator_tensor, deviator_tensor)
        t_plus, t_minus = np.maximum(trace, 0.0), np.minimum(trace, 0.0)
        stress_dev = 2.0 * mu * _voigt_stress(deviator_tensor)
        C_dev = _isotropic_voigt(-2.0 * mu / 3.0, mu)
        C_vol = K * np.outer(one, one)
        return SplitEnergy(
            positive=0.5 * K * t_plus**2 + deviatoric_energy, negative=0.5 * K * t_minus**2,
            stress_positive=np.outer(K * t_plus, one) + stress_dev, stress_negative=np.outer(K * t_minus, one),
            tangent_positive=C_dev[None] + tension[:, None, None] * C_vol[None],
            tangent_negative=(~tension)[:, None, None] * C_vol[None],
        )
    # spectral: eps+ = sum <e_i>+ n_i n_i; its derivative by the Daleckii-Krein formula
    values, vectors = np.linalg.eigh(_tensor(strain))                      # (n, 3), (n, 3, 3)
    plus = np.maximum(values, 0.0)
    eps_plus = np.einsum("nik,nk,njk->nij", vectors, plus, vectors)
    t_plus, t_minus = np.maximum(trace, 0.0), np.minimum(trace, 0.0)
    energy_plus = 0.5 * lam * t_plus**2 + mu * np.sum(plus**2, axis=1)
    energy_total = 0.5 * np.einsum("ni,ij,nj->n", strain, _isotropic_voigt(lam, mu), strain)
    stress_total = strain @ _isotropic_voigt(lam, mu).T
    stress_plus = np.outer(lam * t_plus, one) + 2.0 * mu * _voigt_stress(eps_plus)
    theta = _divided_differences(values)
    tangent_plus = np.empty((n, 6, 6))
    for k in range(6):
        unit = np.zeros(6)
        unit[k] = 1.0
        d_eps = _tensor(unit[None])[0]
        rotated = np.einsum("nai,ab,nbj->nij", vectors, d_eps, vectors)
        d_plus = np.einsum("nia,nab,njb->nij", vectors, theta * rotated, vectors)
        tangent_plus[:, :, k] = (lam * tension * float(unit[:3].sum()))[:, None] * one[None] + 2.0 * mu * _voigt_stress(d_plus)
    C = _isotropic_voigt(lam, mu)
    return SplitEnergy(positive=energy_plus, negative=energy_total - energy_plus,
                       stress_positive=stress_plus, stress_negative=stress_total - stress_plus,
                       tangent_positive=tangent_plus, tangent_negative=C[None] - tangent_plus)


def _split_lame(split: str, lame: tuple[float, float] | None) -> tuple[float, float]:
    """Lame's constants of a split (raises for an unknown split or a phase without them)."""
    if split not in SPLITS:
        raise ValueError(f"phase-field split={split!r} is not known; allowed: {', '.join(SPLITS)}")
    if lame is None:
        raise ValueError(f"the {split} split needs an isotropic phase (Lame constants)")
    return lame


def tensile_energy(strain: np.ndarray, stiffness: np.ndarray, split: str,
                   lame: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``psi+`` and ``psi = psi+ + psi-`` (GPa) of ``n`` strains, without stresses or tangents (what a
    hybrid law needs: eigenvalues only for the spectral split). Same arguments as :func:`split_energy`."""
    total = 0.5 * np.einsum("ni,ni->n", strain, strain @ stiffness.T)    # row-wise dots: einsum, not sum(axis=1)
    if split == "none":
        return total, total
    lam, mu = _split_lame(split, lame)
    trace = strain[:, 0] + strain[:, 1] + strain[:, 2]
    t_plus = np.maximum(trace, 0.0)
    if split == "volumetric_deviatoric":
        deviator = _tensor(strain - np.outer(trace / 3.0, [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]))
        return 0.5 * (lam + 2.0 * mu / 3.0) * t_plus**2 + mu * np.einsum("nij,nij->n", deviator, deviator), total
    plus = np.maximum(principal_strains(strain), 0.0)
    return 0.5 * lam * t_plus**2 + mu * np.einsum("ni,ni->n", plus, plus), total


def principal_strains(strain: np.ndarray) -> np.ndarray:
    """Principal values (n, 3) of ``n`` Voigt strains (engineering shears), unordered.

    Strains without out-of-plane shears (every plane-strain point) take the closed form of the
    in-plane 2x2 block beside ``eps_33``, about 20 times faster than LAPACK's batched ``eigvalsh``;
    other strains go to ``eigvalsh``.
    """
    if strain.shape[0] and not (np.any(strain[:, 3]) or np.any(strain[:, 4])):
        mean = 0.5 * (strain[:, 0] + strain[:, 1])
        radius = np.hypot(0.5 * (strain[:, 0] - strain[:, 1]), 0.5 * strain[:, 5])
        return np.stack([mean + radius, mean - radius, strain[:, 2]], axis=1)
    return np.linalg.eigvalsh(_tensor(strain))


def _divided_differences(values: np.ndarray) -> np.ndarray:
    """``theta_ij = (f(a_i) - f(a_j)) / (a_i - a_j)`` of ``f = max(., 0)``, ``H(a)`` (with ``H(0) = 1``) where they meet."""
    a_i, a_j = values[:, :, None], values[:, None, :]
    gap = a_i - a_j
    scale = np.maximum(np.abs(values).max(axis=1), 1e-300)[:, None, None]
    close = np.abs(gap) <= 1e-10 * scale
    middle = 0.5 * (a_i + a_j)
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = (np.maximum(a_i, 0.0) - np.maximum(a_j, 0.0)) / np.where(close, 1.0, gap)
    return np.where(close, (middle >= 0.0).astype(float), theta)


def _isotropic_voigt(lam: float, mu: float) -> np.ndarray:
    """Isotropic Voigt stiffness (engineering shears) from Lame's constants (GPa)."""
    C = np.zeros((6, 6))
    C[:3, :3] = lam
    C[np.arange(3), np.arange(3)] += 2.0 * mu
    C[np.arange(3, 6), np.arange(3, 6)] = mu
    return C
