"""Independent estimates and bounds of effective stiffness (closed forms, no finite elements).

Units: moduli in GPa; fractions dimensionless. Voigt convention: :mod:`solvers.micromechanics.voigt`.
Formulas follow ``../shared/REFERENCES.md``; each is tested there against its check values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from solvers.micromechanics.materials import E_nu_from_bulk_shear, isotropic_stiffness
from solvers.micromechanics.voigt import VOIGT_PAIRS

__all__ = [
    "voigt_average",
    "reuss_average",
    "hashin_shtrikman_bulk",
    "hashin_shtrikman_shear",
    "mori_tanaka_spheres",
    "dilute_spheres",
    "laminate_stiffness",
    "laminate_isotropic",
    "isotropic_projection",
    "voigt_reuss_hill",
    "cubic_polycrystal_bounds",
    "cubic_polycrystal_self_consistent",
    "anisotropy_index",
    "tension_shear_modulus",
]


def _fractions(fractions: Sequence[float], n: int) -> np.ndarray:
    c = np.asarray(fractions, dtype=float)
    if c.shape != (n,) or np.any(c < 0) or not np.isclose(c.sum(), 1.0, atol=1e-9):
        raise ValueError(f"volume fractions {list(c)} must be {n} non-negative numbers summing to 1")
    return c


def voigt_average(stiffnesses: Sequence[npt.ArrayLike], fractions: Sequence[float]) -> np.ndarray:
    """Voigt (uniform strain) bound: the volume average of the stiffnesses (GPa)."""
    c = _fractions(fractions, len(stiffnesses))
    return sum(ci * np.asarray(Ci, float) for ci, Ci in zip(c, stiffnesses, strict=True))


def reuss_average(stiffnesses: Sequence[npt.ArrayLike], fractions: Sequence[float]) -> np.ndarray:
    """Reuss (uniform stress) bound: the inverse of the volume-averaged compliance (GPa)."""
    c = _fractions(fractions, len(stiffnesses))
    S = sum(ci * np.linalg.inv(np.asarray(Ci, float)) for ci, Ci in zip(c, stiffnesses, strict=True))
    return np.linalg.inv(S)


def hashin_shtrikman_bulk(K: Sequence[float], G: Sequence[float], fractions: Sequence[float]) -> tuple[float, float]:
    """Hashin-Shtrikman-Walpole bounds on the bulk modulus of an isotropic mixture.

    Parameters
    ----------
    K, G : sequence of float
        Bulk and shear moduli of the isotropic phases (GPa).
    fractions : sequence of float
        Volume fractions, summing to 1.

    Returns
    -------
    (float, float)
        Lower and upper bounds (GPa). For two well-ordered phases these are the
        classical HS bounds.
    """
    c = _fractions(fractions, len(K))
    K, G = np.asarray(K, float), np.asarray(G, float)

    def bound(G0: float) -> float:
        return 1.0 / np.sum(c / (K + 4 * G0 / 3)) - 4 * G0 / 3

    return bound(G.min()), bound(G.max())


def hashin_shtrikman_shear(K: Sequence[float], G: Sequence[float], fractions: Sequence[float]) -> tuple[float, float]:
    """Hashin-Shtrikman-Walpole bounds on the shear modulus of an isotropic mixture.

    Parameters
    ----------
    K, G : sequence of float
        Bulk and shear moduli of the isotropic phases (GPa).
    fractions : sequence of float
        Volume fractions, summing to 1.

    Returns
    -------
    (float, float)
        Lower and upper bounds (GPa).
    """
    c = _fractions(fractions, len(K))
    K, G = np.asarray(K, float), np.asarray(G, float)

    def bound(K0: float, G0: float) -> float:
        H0 = G0 * (9 * K0 + 8 * G0) / (6 * (K0 + 2 * G0))
        return 1.0 / np.sum(c / (G + H0)) - H0

    return bound(K.min(), G.min()), bound(K.max(), G.max())


def mori_tanaka_spheres(Km: float, Gm: float, Kf: float, Gf: float, cf: float) -> tuple[float, float]:
    """Mori-Tanaka bulk and shear moduli (GPa) of spheres (f) in a matrix (m) at fraction ``cf``."""
    cm = 1.0 - cf
    F = Gm * (9 * Km + 8 * Gm) / (6 * (Km + 2 * Gm))
    K = Km + cf * (Kf - Km) / (1 + cm * (Kf - Km) / (Km + 4 * Gm / 3))
    G = Gm + cf * (Gf - Gm) / (1 + cm * (Gf - Gm) / (Gm + F))
    return K, G


def dilute_spheres(Km: float, Gm: float, Kf: float, Gf: float, cf: float) -> tuple[float, float]:
    """Dilute (Eshelby, non-interacting) bulk and shear moduli (GPa) of spheres at fraction ``cf``."""
    F = Gm * (9 * Km + 8 * Gm) / (6 * (Km + 2 * Gm))
    K = Km + cf * (Kf - Km) / (1 + (Kf - Km) / (Km + 4 * Gm / 3))
    G = Gm + cf * (Gf - Gm) / (1 + (Gf - Gm) / (Gm + F))
    return K, G


def laminate_stiffness(
    stiffnesses: Sequence[npt.ArrayLike], fractions: Sequence[float], normal: int = 2
) -> np.ndarray:
    """Exact effective stiffness of a laminate of (possibly anisotropic) layers.

    Strains in the plane of the layers and tractions on it are continuous; the
    other components average. Split the Voigt components into in-plane ``t`` and
    out-of-plane ``n`` (those that involve the normal); then
    ``C_nn* = <C_nn^-1>^-1``, ``C_nt* = C_nn* <C_nn^-1 C_nt>`` and
    ``C_tt* = <C_tt - C_tn C_nn^-1 C_nt> + <C_tn C_nn^-1> C_nn* <C_nn^-1 C_nt>``.

    Parameters
    ----------
    stiffnesses : sequence of array_like, shape (6, 6)
        Voigt stiffness of each layer (GPa).
    fractions : sequence of float
        Thickness fractions, summing to 1.
    normal : int
        Axis normal to the layers (0, 1 or 2).

    Returns
    -------
    numpy.ndarray, shape (6, 6)
        Effective Voigt stiffness (GPa).
    """
    c = _fractions(fractions, len(stiffnesses))
    n_idx = np.array([k for k, pair in enumerate(VOIGT_PAIRS) if normal in pair])
    t_idx = np.array([k for k, pair in enumerate(VOIGT_PAIRS) if normal not in pair])
    inv_nn = np.zeros((3, 3))
    inv_nn_nt = np.zeros((3, 3))
    tn_inv_nn = np.zeros((3, 3))
    tt_reduced = np.zeros((3, 3))
    for ci, Ci in zip(c, stiffnesses, strict=True):
        Ci = np.asarray(Ci, float)
        Cnn_inv = np.linalg.inv(Ci[np.ix_(n_idx, n_idx)])
        Cnt, Ctn, Ctt = Ci[np.ix_(n_idx, t_idx)], Ci[np.ix_(t_idx, n_idx)], Ci[np.ix_(t_idx, t_idx)]
        inv_nn += ci * Cnn_inv
        inv_nn_nt += ci * Cnn_inv @ Cnt
        tn_inv_nn += ci * Ctn @ Cnn_inv
        tt_reduced += ci * (Ctt - Ctn @ Cnn_inv @ Cnt)
    C_nn = np.linalg.inv(inv_nn)
    C = np.zeros((6, 6))
    C[np.ix_(n_idx, n_idx)] = C_nn
    C[np.ix_(n_idx, t_idx)] = C_nn @ inv_nn_nt
    C[np.ix_(t_idx, n_idx)] = (C_nn @ inv_nn_nt).T
    C[np.ix_(t_idx, t_idx)] = tt_reduced + tn_inv_nn @ C_nn @ inv_nn_nt
    return C


def laminate_isotropic(E: Sequence[float], nu: Sequence[float], fractions: Sequence[float]) -> np.ndarray:
    """Closed-form stiffness of a laminate of isotropic layers normal to x3 (REFERENCES.md).

    Parameters
    ----------
    E : sequence of float
        Young's moduli of the layers (GPa).
    nu : sequence of float
        Poisson's ratios of the layers.
    fractions : sequence of float
        Thickness fractions, summing to 1.

    Returns
    -------
    numpy.ndarray, shape (6, 6)
        Effective Voigt stiffness (GPa), transversely isotropic about x3.
    """
    c = _fractions(fractions, len(E))
    E, nu = np.asarray(E, float), np.asarray(nu, float)
    lam = E * nu / ((1 + nu) * (1 - 2 * nu))
    mu = E / (2 * (1 + nu))
    M = lam + 2 * mu

    def avg(x: np.ndarray) -> float:
        return float(np.sum(c * x))

    C33 = 1 / avg(1 / M)
    C13 = C33 * avg(lam / M)
    C44 = 1 / avg(1 / mu)
    C66 = avg(mu)
    C11 = avg(M - lam**2 / M) + C33 * avg(lam / M) ** 2
    C12 = avg(lam - lam**2 / M) + C33 * avg(lam / M) ** 2
    C = np.zeros((6, 6))
    C[0, 0] = C[1, 1] = C11
    C[2, 2] = C33
    C[0, 1] = C[1, 0] = C12
    C[0, 2] = C[2, 0] = C[1, 2] = C[2, 1] = C13
    C[3, 3] = C[4, 4] = C44
    C[5, 5] = C66
    return C


def isotropic_projection(C: npt.ArrayLike) -> tuple[float, float]:
    """Bulk and shear moduli (GPa) of the isotropic tensor nearest to ``C`` (Frobenius norm on C_ijkl).

    ``K = (C11 + C22 + C33 + 2 (C12 + C13 + C23)) / 9`` and
    ``G = (C11 + C22 + C33 - C12 - C13 - C23 + 3 (C44 + C55 + C66)) / 15``.
    """
    C = np.asarray(C, float)
    diag = C[0, 0] + C[1, 1] + C[2, 2]
    off = C[0, 1] + C[0, 2] + C[1, 2]
    shear = C[3, 3] + C[4, 4] + C[5, 5]
    return (diag + 2 * off) / 9, (diag - off + 3 * shear) / 15


def voigt_reuss_hill(C: npt.ArrayLike) -> dict[str, float]:
    """Voigt, Reuss and Hill bulk and shear moduli (GPa) of a random aggregate of crystal ``C``."""
    C = np.asarray(C, float)
    S = np.linalg.inv(C)
    KV, GV = isotropic_projection(C)
    KR = 1 / (S[0, 0] + S[1, 1] + S[2, 2] + 2 * (S[0, 1] + S[0, 2] + S[1, 2]))
    GR = 15 / (4 * (S[0, 0] + S[1, 1] + S[2, 2]) - 4 * (S[0, 1] + S[0, 2] + S[1, 2])
               + 3 * (S[3, 3] + S[4, 4] + S[5, 5]))
    return {"K_V": KV, "G_V": GV, "K_R": KR, "G_R": GR, "K_H": (KV + KR) / 2, "G_H": (GV + GR) / 2}


def _cubic_moduli(C11: float, C12: float, C44: float) -> tuple[float, float, float]:
    if not (C44 > 0 and C11 > abs(C12) and C11 + 2 * C12 > 0):
        raise ValueError(f"cubic constants C11={C11}, C12={C12}, C44={C44} GPa are not positive definite "
                         "(need C44 > 0, C11 > |C12|, C11 + 2 C12 > 0)")
    return (C11 + 2 * C12) / 3, (C11 - C12) / 2, C44


def cubic_polycrystal_bounds(C11: float, C12: float, C44: float) -> tuple[float, float]:
    """Hashin-Shtrikman bounds on the shear modulus (GPa) of an untextured polycrystal of a cubic crystal.

    Hashin & Shtrikman, J. Mech. Phys. Solids 10 (1962) 343; in the form of Watt & Peselnick,
    J. Appl. Phys. 51 (1980) 1525. With ``K = (C11 + 2 C12)/3`` (the polycrystal's exact bulk
    modulus), ``mu1 = (C11 - C12)/2``, ``mu2 = C44`` and ``beta_i = -3 (K + 2 mu_i) / (5 mu_i (3K + 4 mu_i))``::

        G_a = mu1 + 3 / (5 / (mu2 - mu1) - 4 beta1)
        G_b = mu2 + 2 / (5 / (mu1 - mu2) - 6 beta2)

    and the bounds are (min, max) of the two. An isotropic crystal (``mu1 = mu2``) gives its own
    shear modulus twice.

    Returns
    -------
    tuple of float
        (lower, upper) shear modulus bounds (GPa).
    """
    K, mu1, mu2 = _cubic_moduli(C11, C12, C44)
    if abs(mu2 - mu1) <= 1e-12 * max(mu1, mu2):
        return mu1, mu1
    beta1 = -3 * (K + 2 * mu1) / (5 * mu1 * (3 * K + 4 * mu1))
    beta2 = -3 * (K + 2 * mu2) / (5 * mu2 * (3 * K + 4 * mu2))
    G_a = mu1 + 3 / (5 / (mu2 - mu1) - 4 * beta1)
    G_b = mu2 + 2 / (5 / (mu1 - mu2) - 6 * beta2)
    return min(G_a, G_b), max(G_a, G_b)


def cubic_polycrystal_self_consistent(C11: float, C12: float, C44: float) -> float:
    """Self-consistent (Kroener 1958) shear modulus (GPa) of an untextured cubic polycrystal.

    The positive root of ``G^3 + a G^2 + b G + c = 0`` with ``a = (5 C11 + 4 C12)/8``,
    ``b = -C44 (7 C11 - 4 C12)/8``, ``c = -C44 (C11 - C12)(C11 + 2 C12)/8`` (Kroener,
    Z. Phys. 151 (1958) 504).
    """
    _cubic_moduli(C11, C12, C44)
    roots = np.roots([1.0, (5 * C11 + 4 * C12) / 8, -C44 * (7 * C11 - 4 * C12) / 8,
                      -C44 * (C11 - C12) * (C11 + 2 * C12) / 8])
    positive = [r.real for r in roots if abs(r.imag) < 1e-9 * abs(r) and r.real > 0]
    if len(positive) != 1:
        raise ValueError(f"Kroener's cubic has {len(positive)} positive roots for C11={C11}, C12={C12}, C44={C44}")
    return float(positive[0])


def anisotropy_index(C: npt.ArrayLike) -> float:
    """Distance of a 3D stiffness from its isotropic projection, relative to its size (dimensionless).

    ``|C - C_iso| / |C_iso|`` in the Frobenius norm of the fourth-order tensors (Mandel form of
    the Voigt matrix), with ``C_iso`` from :func:`isotropic_projection`: 0 for an isotropic
    tensor; for a single cubic crystal it grows with the Zener ratio ``2 C44 / (C11 - C12)``.
    """
    C = np.asarray(C, float)
    K, G = isotropic_projection(C)
    C_iso = isotropic_stiffness(*E_nu_from_bulk_shear(K, G))
    mandel = np.diag([1.0, 1.0, 1.0, np.sqrt(2), np.sqrt(2), np.sqrt(2)])
    return float(np.linalg.norm(mandel @ (C - C_iso) @ mandel) / np.linalg.norm(mandel @ C_iso @ mandel))


def tension_shear_modulus(E_mineral: float, G_interlayer: float, mineral_fraction: float, aspect_ratio: float) -> float:
    """Young's modulus along staggered platelets, tension-shear chain (Ji & Gao 2004).

    ``1/E = 4 (1 - phi) / (G_p phi^2 rho^2) + 1/(phi E_m)``: the platelets carry tension, the
    interlayers between their overlaps carry it over in shear; head joints carry nothing. An
    estimate, not a bound, valid for a soft interlayer (``G_p << E_m``) and long platelets.

    Parameters
    ----------
    E_mineral : float
        Young's modulus of the platelets along the loading direction (GPa).
    G_interlayer : float
        Shear modulus of the interlayer (GPa).
    mineral_fraction : float
        Platelet volume fraction phi, in (0, 1].
    aspect_ratio : float
        Platelet length over thickness, rho = L/h (> 0).

    Returns
    -------
    float
        Effective Young's modulus along the platelets (GPa).
    """
    for name, value in (("E_mineral", E_mineral), ("G_interlayer", G_interlayer), ("aspect_ratio", aspect_ratio)):
        if not value > 0:
            raise ValueError(f"{name}={value} must be > 0")
    if not 0 < mineral_fraction <= 1:
        raise ValueError(f"mineral_fraction={mineral_fraction} is outside the allowed range (0, 1]")
    phi = mineral_fraction
    return 1.0 / (4 * (1 - phi) / (G_interlayer * phi**2 * aspect_ratio**2) + 1 / (phi * E_mineral))
