"""Adaptive load stepping along a pseudo-time path in [0, 1]: cut on failure, grow on easy steps.

Pure logic: :class:`LoadStepper` proposes the next step (never beyond the path's next knot, so
reversals are hit exactly), grows it after steps that converge in few Newton iterations and
cuts it after a failed one, and raises :class:`StepTooSmallError`, saying where, when the step
would fall below the minimum.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["StepSettings", "LoadStepper", "StepTooSmallError"]


class StepTooSmallError(RuntimeError):
    """The load step was cut below its minimum without convergence."""


@dataclass(frozen=True)
class StepSettings:
    """Step control.

    Parameters
    ----------
    initial : float
        First step as a fraction of the path, in (0, 1].
    minimum : float
        Smallest step (fraction of the path), in (0, initial].
    maximum : float
        Largest step (fraction of the path), in [initial, 1].
    cut : float
        Factor applied to a failed step, in (0, 1).
    growth : float
        Factor applied after an easy step, >= 1.
    easy_iterations : int
        A step that converges in at most this many Newton iterations is easy.
    """

    initial: float = 0.02
    minimum: float = 1e-5
    maximum: float = 0.05
    cut: float = 0.5
    growth: float = 1.5
    easy_iterations: int = 4

    def __post_init__(self) -> None:
        if not 0 < self.initial <= 1:
            raise ValueError(f"step initial={self.initial} is outside the allowed range (0, 1]")
        if not 0 < self.minimum <= self.initial:
            raise ValueError(f"step minimum={self.minimum} is outside the allowed range (0, initial={self.initial}]")
        if not self.initial <= self.maximum <= 1:
            raise ValueError(f"step maximum={self.maximum} is outside the allowed range [initial={self.initial}, 1]")
        if not 0 < self.cut < 1:
            raise ValueError(f"step cut={self.cut} is outside the allowed range (0, 1)")
        if not self.growth >= 1:
            raise ValueError(f"step growth={self.growth} must be >= 1")
        if not (isinstance(self.easy_iterations, int) and self.easy_iterations >= 1):
            raise ValueError(f"step easy_iterations={self.easy_iterations!r} must be a positive integer")


class LoadStepper:
    """Pseudo-time stepping from ``t`` to 1.

    Parameters
    ----------
    settings : StepSettings
    knots : sequence of float
        Pseudo-times (in [0, 1]) that steps must land on.
    t : float
        Where to start (a resumed run starts where it stopped).
    step : float, optional
        The step to try first (default ``settings.initial``).
    """

    def __init__(self, settings: StepSettings, knots: Sequence[float], t: float = 0.0, step: float | None = None) -> None:
        self.settings = settings
        self.knots = np.unique(np.clip(np.asarray(knots, dtype=float), 0.0, 1.0))
        self.t = float(t)
        self.step = float(settings.initial if step is None else step)
        self.cuts = 0

    @property
    def done(self) -> bool:
        """True at the end of the path."""
        return self.t >= 1.0 - 1e-12

    def proposal(self) -> float:
        """The pseudo-time the next step goes to."""
        ahead = self.knots[self.knots > self.t + 1e-12]
        end = ahead[0] if ahead.size else 1.0
        target = min(self.t + self.step, end)
        if end - target < 0.25 * self.step:  # do not leave a sliver before a knot
            target = end
        return float(target)

    def accept(self, t: float, iterations: int) -> None:
        """The step to ``t`` converged in ``iterations`` Newton iterations."""
        self.t = float(t)
        if iterations <= self.settings.easy_iterations:
            self.step = min(self.step * self.settings.growth, self.settings.maximum)

    def reject(self, t: float, why: str) -> None:
        """The step to ``t`` failed; cut it.

        Raises
        ------
        StepTooSmallError
            When the cut step would be smaller than the minimum.
        """
        self.cuts += 1
        self.step = (t - self.t) * self.settings.cut
        if self.step < self.settings.minimum:
            raise StepTooSmallError(
                f"the load step fell below its minimum ({self.settings.minimum:g} of the path) at pseudo-time "
                f"{self.t:.6g} of 1 without convergence: {why}"
            )
