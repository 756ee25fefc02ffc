"""Engineering constants of an effective stiffness (Voigt convention: :mod:`solvers.micromechanics.voigt`).

Units: moduli in GPa, Poisson's ratios dimensionless.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["engineering_constants", "directional_modulus"]


def engineering_constants(C: npt.ArrayLike) -> dict[str, float]:
    """Young's and shear moduli, Poisson's ratios and bulk moduli from a stiffness.

    Parameters
    ----------
    C : array_like, shape (6, 6), (4, 4) or (3, 3)
        Voigt stiffness (GPa); 4x4 is the generalized plane-strain stiffness (11, 22, 33, 12)
        of a 2D (prismatic) microstructure; 3x3 is its plane-strain block (11, 22, 12).

    Returns
    -------
    dict of str to float
        3D: ``E1, E2, E3, G23, G13, G12`` (GPa), ``nu_ij = -S_ij / S_ii`` (lateral strain
        j over axial strain i under stress along i), and ``K_voigt`` / ``K_reuss`` (GPa),
        the bulk moduli under uniform strain / uniform pressure (equal for cubic symmetry).
        4x4: the true Young's moduli ``E1, E2, E3`` (uniaxial stress, every other stress zero),
        ``G12`` (GPa) and the Poisson's ratios ``nu_ij`` (i, j in 1, 2, 3).
        3x3: the plane-strain apparent moduli ``E1, E2, G12`` (GPa; E' = E / (1 - nu^2)
        for an isotropic solid), ``nu12, nu21`` and the plane-strain bulk modulus ``k``.
    """
    C = np.asarray(C, float)
    S = np.linalg.inv(C)
    if C.shape == (6, 6):
        out = {f"E{i + 1}": 1 / S[i, i] for i in range(3)}
        out.update(G23=1 / S[3, 3], G13=1 / S[4, 4], G12=1 / S[5, 5])
        for i in range(3):
            for j in range(3):
                if i != j:
                    out[f"nu{i + 1}{j + 1}"] = -S[i, j] / S[i, i]
        out["K_voigt"] = float(C[:3, :3].sum() / 9)
        out["K_reuss"] = float(1 / S[:3, :3].sum())
        return {k: float(v) for k, v in out.items()}
    if C.shape == (4, 4):
        out = {f"E{i + 1}": 1 / S[i, i] for i in range(3)}
        out["G12"] = 1 / S[3, 3]
        for i in range(3):
            for j in range(3):
                if i != j:
                    out[f"nu{i + 1}{j + 1}"] = -S[i, j] / S[i, i]
        return {k: float(v) for k, v in out.items()}
    if C.shape == (3, 3):
        return {
            "E1": float(1 / S[0, 0]),
            "E2": float(1 / S[1, 1]),
            "G12": float(1 / S[2, 2]),
            "nu12": float(-S[0, 1] / S[0, 0]),
            "nu21": float(-S[0, 1] / S[1, 1]),
            "k": float(1 / S[:2, :2].sum()),
        }
    raise ValueError(f"C must be 6x6, 4x4 or 3x3 (Voigt), got shape {C.shape}")


def _uniaxial_voigt(n: np.ndarray) -> np.ndarray:
    """Voigt stress vectors of unit uniaxial stresses along unit vectors ``n`` (shape (..., dim))."""
    if n.shape[-1] == 2:
        return np.stack([n[..., 0] ** 2, n[..., 1] ** 2, n[..., 0] * n[..., 1]], axis=-1)
    return np.stack([n[..., 0] ** 2, n[..., 1] ** 2, n[..., 2] ** 2,
                     n[..., 1] * n[..., 2], n[..., 0] * n[..., 2], n[..., 0] * n[..., 1]], axis=-1)


def directional_modulus(C: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Young's modulus (GPa) along unit ``directions`` (shape (..., 3), or (..., 2) for a 3x3 plane-strain C).

    For a plane-strain stiffness the result is the plane-strain (apparent) modulus E'.
    """
    S = np.linalg.inv(np.asarray(C, float))
    n = np.asarray(directions, float)
    n = n / np.linalg.norm(n, axis=-1, keepdims=True)
    s = _uniaxial_voigt(n)
    return 1.0 / np.einsum("...i,ij,...j->...", s, S, s)
