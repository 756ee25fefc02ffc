"""Stress invariants of symmetric tensors (units: those of the input, GPa for stress).

Tensors are NumPy arrays of shape (..., 3, 3); Voigt vectors follow :mod:`solvers.micromechanics.voigt`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["von_mises", "von_mises_voigt", "mean_stress"]


def von_mises(stress: npt.ArrayLike) -> np.ndarray:
    """Von Mises equivalent stress ``sqrt(3/2 s:s)`` (GPa) of stress tensors of shape (..., 3, 3) (GPa)."""
    s = np.asarray(stress, dtype=float)
    normal = (s[..., 0, 0] - s[..., 1, 1]) ** 2 + (s[..., 1, 1] - s[..., 2, 2]) ** 2 + (s[..., 2, 2] - s[..., 0, 0]) ** 2
    shear = s[..., 0, 1] ** 2 + s[..., 1, 2] ** 2 + s[..., 0, 2] ** 2
    return np.sqrt(0.5 * normal + 3.0 * shear)


def von_mises_voigt(stress: npt.ArrayLike) -> np.ndarray:
    """Von Mises stress (GPa) of Voigt stress vectors of shape (..., 6) (order 11, 22, 33, 23, 13, 12; GPa)."""
    s = np.asarray(stress, dtype=float)
    normal = (s[..., 0] - s[..., 1]) ** 2 + (s[..., 1] - s[..., 2]) ** 2 + (s[..., 2] - s[..., 0]) ** 2
    shear = s[..., 3] ** 2 + s[..., 4] ** 2 + s[..., 5] ** 2
    return np.sqrt(0.5 * normal + 3.0 * shear)


def mean_stress(stress: npt.ArrayLike) -> np.ndarray:
    """Mean (hydrostatic) stress ``tr(sigma)/3`` (GPa) of Voigt stress vectors of shape (..., 6) (GPa)."""
    s = np.asarray(stress, dtype=float)
    return (s[..., 0] + s[..., 1] + s[..., 2]) / 3.0
