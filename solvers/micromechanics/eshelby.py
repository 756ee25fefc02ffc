"""Eshelby tensor of a spheroid and the Mori-Tanaka estimate for aligned spheroids (pure NumPy).

A spheroid with semi-axes (a, b, b) along (x1, x2, x3) and aspect ratio ``alpha = a / b``
(> 1 prolate, < 1 oblate, 1 a sphere) in an isotropic matrix of Poisson ratio ``nu``. The
closed forms are those of Tandon & Weng (Polym. Compos. 5, 1984, 327) / Mura (Micromechanics of
Defects in Solids, 1987, sec. 11); their sphere, cylinder (alpha -> inf) and penny (alpha -> 0)
limits are checked in the tests.

Voigt convention of :mod:`solvers.micromechanics.voigt` (engineering shear strains): the 6x6 Eshelby matrix
maps the eigenstrain to the constrained strain, so its shear diagonal is ``2 S_2323``, ... .
Stiffness in GPa.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["eshelby_spheroid", "mori_tanaka_aligned"]


def _g(alpha: float) -> float:
    """The shape integral g(alpha) of Tandon & Weng; a power series in m = alpha^2 - 1 near the
    sphere, where the closed forms cancel catastrophically (measured: 1e-3 error at alpha = 1 + 1e-5).

    With alpha^2 = 1 + t^2, alpha t - acosh(alpha) = int_0^t 2 s^2 / sqrt(1 + s^2) ds, so
    g = alpha * sum_k 2 binom(-1/2, k) m^k / (2k + 3); the same function continues to oblate shapes.
    """
    m = (alpha - 1) * (alpha + 1)
    if abs(m) < 0.1:
        total, coefficient = 0.0, 1.0  # binom(-1/2, k)
        for k in range(60):
            total += 2 * coefficient * m**k / (2 * k + 3)
            coefficient *= (-0.5 - k) / (k + 1)
        return alpha * total
    if alpha > 1:
        return alpha / m**1.5 * (alpha * math.sqrt(m) - math.acosh(alpha))
    return alpha / (-m) ** 1.5 * (math.acos(alpha) - alpha * math.sqrt(-m))


def _sphere(nu: float) -> np.ndarray:
    q = 1 / (15 * (1 - nu))
    S = np.zeros((6, 6))
    S[:3, :3] = (5 * nu - 1) * q
    np.fill_diagonal(S[:3, :3], (7 - 5 * nu) * q)
    S[3:, 3:] = 2 * (4 - 5 * nu) * q * np.eye(3)
    return S


def eshelby_spheroid(alpha: float, nu: float) -> np.ndarray:
    """Eshelby matrix (6x6, Voigt, engineering shear) of a spheroid with its axis along x1.

    Parameters
    ----------
    alpha : float
        Aspect ratio a/b (> 0); within 1e-6 of 1 the sphere's tensor is returned (it differs
        from the spheroid's by less than 1e-6 there).
    nu : float
        Poisson ratio of the matrix, in (-1, 0.5).

    Returns
    -------
    numpy.ndarray
        S with ``strain = S @ eigenstrain`` (dimensionless).
    """
    if not alpha > 0:
        raise ValueError(f"alpha={alpha} must be > 0")
    if not -1 < nu < 0.5:
        raise ValueError(f"nu={nu} is outside the allowed range (-1, 0.5)")
    if abs(alpha - 1) < 1e-6:
        return _sphere(nu)
    a2, g, q = alpha**2, _g(alpha), 1 / (1 - nu)
    m = (alpha - 1) * (alpha + 1)
    S1111 = q / 2 * (1 - 2 * nu + (3 * a2 - 1) / m - (1 - 2 * nu + 3 * a2 / m) * g)
    S2222 = 3 * q / 8 * a2 / m + q / 4 * (1 - 2 * nu - 9 / (4 * m)) * g
    S2233 = q / 4 * (a2 / (2 * m) - (1 - 2 * nu + 3 / (4 * m)) * g)
    S2211 = -q / 2 * a2 / m + q / 4 * (3 * a2 / m - (1 - 2 * nu)) * g
    S1122 = -q / 2 * (1 - 2 * nu + 1 / m) + q / 2 * (1 - 2 * nu + 3 / (2 * m)) * g
    S2323 = q / 4 * (a2 / (2 * m) + (1 - 2 * nu - 3 / (4 * m)) * g)
    S1212 = q / 4 * (1 - 2 * nu - (a2 + 1) / m - 0.5 * (1 - 2 * nu - 3 * (a2 + 1) / m) * g)
    S = np.zeros((6, 6))
    S[0, 0], S[0, 1], S[0, 2] = S1111, S1122, S1122
    S[1, 0], S[1, 1], S[1, 2] = S2211, S2222, S2233
    S[2, 0], S[2, 1], S[2, 2] = S2211, S2233, S2222
    S[3, 3], S[4, 4], S[5, 5] = 2 * S2323, 2 * S1212, 2 * S1212
    return S


def mori_tanaka_aligned(C_matrix: npt.ArrayLike, C_particle: npt.ArrayLike, S: npt.ArrayLike, fraction: float) -> np.ndarray:
    """Mori-Tanaka stiffness of aligned identical inclusions (6x6, GPa).

    ``C = Cm + f (Ci - Cm) A [(1 - f) I + f A]^-1`` with the dilute strain concentration
    ``A = [I + S Cm^-1 (Ci - Cm)]^-1`` (Benveniste 1987).

    Parameters
    ----------
    C_matrix, C_particle : array_like
        6x6 Voigt stiffnesses (GPa); ``S`` must belong to the matrix (isotropic for
        :func:`eshelby_spheroid`).
    S : array_like
        Eshelby matrix of the inclusion shape (6x6, as :func:`eshelby_spheroid`).
    fraction : float
        Inclusion volume fraction in [0, 1).
    """
    if not 0 <= fraction < 1:
        raise ValueError(f"fraction={fraction} is outside the allowed range [0, 1)")
    Cm, Ci, S = (np.asarray(x, dtype=float) for x in (C_matrix, C_particle, S))
    eye = np.eye(6)
    A = np.linalg.inv(eye + S @ np.linalg.solve(Cm, Ci - Cm))
    C = Cm + fraction * (Ci - Cm) @ A @ np.linalg.inv((1 - fraction) * eye + fraction * A)
    return C
