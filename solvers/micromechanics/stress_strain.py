"""Numbers read off a stress-strain curve: offset yield strength, peak, work (pure NumPy).

Curves are sampled ``(strain, stress)`` pairs along a loading path, strain dimensionless and
stress in GPa, oriented so that loading is positive. Work per unit volume is in GPa
(1 GPa = 1000 MJ/m^3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["CurveMetrics", "initial_modulus", "offset_yield", "peak", "work_to", "curve_metrics"]


def initial_modulus(strain: npt.ArrayLike, stress: npt.ArrayLike) -> float:
    """Slope (GPa) of the first segment of the curve with non-zero strain (the elastic one)."""
    e, s = np.asarray(strain, float), np.asarray(stress, float)
    moving = np.flatnonzero(np.abs(e - e[0]) > 0)
    if not moving.size:
        raise ValueError("the curve has no strain increment")
    k = moving[0]
    return float((s[k] - s[0]) / (e[k] - e[0]))


def offset_yield(strain: npt.ArrayLike, stress: npt.ArrayLike, offset: float = 0.002, modulus: float | None = None) -> float | None:
    """Offset yield strength (GPa): where the curve crosses ``modulus (strain - offset)``.

    Linear interpolation between samples; only the first monotonic loading branch counts.
    None when the curve never crosses the offset line there.
    """
    e, s = np.asarray(strain, float), np.asarray(stress, float)
    E0 = initial_modulus(e, s) if modulus is None else modulus
    rising = np.flatnonzero(np.diff(e) <= 0)
    end = rising[0] + 1 if rising.size else e.size
    gap = s[:end] - E0 * (e[:end] - offset)       # > 0 above the offset line
    crossing = np.flatnonzero((gap[:-1] > 0) & (gap[1:] <= 0))
    if not crossing.size:
        return None
    k = crossing[0]
    fraction = gap[k] / (gap[k] - gap[k + 1])
    return float(s[k] + fraction * (s[k + 1] - s[k]))


def peak(strain: npt.ArrayLike, stress: npt.ArrayLike) -> tuple[float, float]:
    """Largest stress (GPa) and the strain at which it is reached."""
    e, s = np.asarray(strain, float), np.asarray(stress, float)
    k = int(np.argmax(s))
    return float(s[k]), float(e[k])


def work_to(macro_strain: npt.ArrayLike, macro_stress: npt.ArrayLike, loaded_strain: npt.ArrayLike,
            limit: float) -> float | None:
    """Work per unit volume ``integral Sigma : dE`` (GPa, trapezoidal) until the loaded strain first reaches ``limit``.

    Parameters
    ----------
    macro_strain, macro_stress : array_like, shape (samples, 6)
        Voigt macro strain (engineering shears) and stress (GPa) along the path.
    loaded_strain : array_like, shape (samples,)
        The strain the limit refers to (oriented: loading positive).
    limit : float
        Strain to integrate to.

    Returns
    -------
    float or None
        None when the path never reaches ``limit``.
    """
    E, S, e = (np.asarray(a, float) for a in (macro_strain, macro_stress, loaded_strain))
    increments = 0.5 * np.einsum("ki,ki->k", S[1:] + S[:-1], np.diff(E, axis=0))
    reached = np.flatnonzero(e >= limit)
    if not reached.size:
        return None
    k = reached[0]
    if k == 0:
        return 0.0
    fraction = (limit - e[k - 1]) / (e[k] - e[k - 1]) if e[k] != e[k - 1] else 1.0
    # Within the last increment the integrand is linear: the part up to the limit.
    partial = fraction * 0.5 * np.dot(2 * S[k - 1] + fraction * (S[k] - S[k - 1]), E[k] - E[k - 1])
    return float(increments[: k - 1].sum() + partial)


@dataclass(frozen=True)
class CurveMetrics:
    """Headline numbers of a stress-strain curve (GPa; strains dimensionless).

    Attributes
    ----------
    modulus : float
        Initial slope.
    yield_strength : float or None
        Offset yield strength.
    peak_strength : float
        Largest stress.
    strain_at_peak : float
    work : float or None
        Work per unit volume to the chosen strain (GPa).
    work_strain : float
        That strain.
    """

    modulus: float
    yield_strength: float | None
    peak_strength: float
    strain_at_peak: float
    work: float | None
    work_strain: float

    def to_dict(self) -> dict[str, float | None]:
        """JSON-ready, with the work also in MJ/m^3."""
        return {
            "modulus_GPa": self.modulus,
            "yield_strength_GPa": self.yield_strength,
            "peak_strength_GPa": self.peak_strength,
            "strain_at_peak": self.strain_at_peak,
            "work_GPa": self.work,
            "work_MJ_per_m3": None if self.work is None else 1000.0 * self.work,
            "work_to_strain": self.work_strain,
        }


def curve_metrics(loaded_strain: npt.ArrayLike, loaded_stress: npt.ArrayLike, macro_strain: npt.ArrayLike,
                  macro_stress: npt.ArrayLike, offset: float = 0.002, work_strain: float | None = None) -> CurveMetrics:
    """All the headline numbers of a loading curve (see :class:`CurveMetrics`)."""
    e, s = np.asarray(loaded_strain, float), np.asarray(loaded_stress, float)
    strength, at = peak(e, s)
    limit = float(e.max()) if work_strain is None else work_strain
    return CurveMetrics(modulus=initial_modulus(e, s), yield_strength=offset_yield(e, s, offset), peak_strength=strength,
                        strain_at_peak=at, work=work_to(macro_strain, macro_stress, e, limit), work_strain=limit)
