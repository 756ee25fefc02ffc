"""Newton settings, reports and the forcing term of inexact Newton solves (dimensionless tolerances; seconds)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["NewtonSettings", "NewtonReport", "forcing_term"]


@dataclass(frozen=True)
class NewtonSettings:
    """Tolerances of the condensed Newton.

    Parameters
    ----------
    max_iterations : int
        Iterations before a step is declared not converged (and cut), > 0.
    force_tolerance : float
        ``|R| <= force_tolerance |f_1| |E|``, in (0, 1).
    stress_tolerance : float
        ``|d_k . Sigma - target_k| <= stress_tolerance max(|Sigma|, |C_R E|)``, in (0, 1).
    """

    max_iterations: int = 12
    force_tolerance: float = 1e-9
    stress_tolerance: float = 1e-9

    def __post_init__(self) -> None:
        if not (isinstance(self.max_iterations, int) and self.max_iterations > 0):
            raise ValueError(f"newton max_iterations={self.max_iterations!r} must be a positive integer")
        for name in ("force_tolerance", "stress_tolerance"):
            if not 0 < getattr(self, name) < 1:
                raise ValueError(f"newton {name}={getattr(self, name)} is outside the allowed range (0, 1)")


@dataclass
class NewtonReport:
    """How a step's Newton went."""

    converged: bool
    iterations: int
    krylov: list[int] = field(default_factory=list)
    residuals: list[float] = field(default_factory=list)
    stress_residuals: list[float] = field(default_factory=list)
    reason: str = ""
    seconds: dict[str, float] = field(default_factory=lambda: {"constitutive": 0.0, "assembly": 0.0, "solve": 0.0})


def forcing_term(residuals: list[float], floor: float) -> float:
    """Relative tolerance of the linear solves of a Newton iteration (Eisenstat-Walker, choice 2).

    Loose while the residual is large, tight as it falls (``0.9 (|R_k| / |R_k-1|)^2``, within
    [``floor``, 1e-3]; ``floor`` is the linear solver's own rtol), so that Newton keeps its
    quadratic rate near the solution without solving the early corrections to full accuracy.
    A direct solver ignores it.

    Parameters
    ----------
    residuals : list of float
        Residual norms of the iterations so far, the current one last.
    floor : float
        The tightest relative tolerance used.
    """
    if len(residuals) < 2 or residuals[-2] == 0:
        return max(floor, 1e-3) if len(residuals) < 2 else floor
    return float(np.clip(0.9 * (residuals[-1] / residuals[-2]) ** 2, floor, 1e-3))
