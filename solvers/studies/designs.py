"""Designs of a parameter study: which values the varied parameters take, point by point.

A design is a tuple of points; a point maps dotted case keys (``geometry.overlap_ratio``,
``materials.interlayer.E``, ``mesh.size``) to values. Full grids, explicit lists, and
space-filling samples (Latin hypercube and scrambled Sobol, from :mod:`scipy.stats.qmc`) over
ranges, with a seed so that a study is reproducible. Values keep the case's units (nm, GPa,
g/cm^3, J/m^2).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import qmc

__all__ = ["Design", "Range", "check_key", "grid", "explicit", "latin_hypercube", "sobol", "design_from_table"]

SAMPLERS = ("latin_hypercube", "sobol")


@dataclass(frozen=True)
class Range:
    """A continuous parameter range ``[low, high]`` (case units), sampled linearly or in log scale."""

    low: float
    high: float
    log: bool = False

    def __post_init__(self) -> None:
        if not (np.isfinite(self.low) and np.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"range low={self.low}, high={self.high}: needs finite low < high")
        if self.log and self.low <= 0:
            raise ValueError(f"range low={self.low}: a log range needs low > 0")

    def scale(self, unit: np.ndarray) -> np.ndarray:
        """Map samples in [0, 1) onto the range."""
        if self.log:
            return np.exp(np.log(self.low) + unit * (np.log(self.high) - np.log(self.low)))
        return self.low + unit * (self.high - self.low)


@dataclass(frozen=True)
class Design:
    """The points of a study.

    Attributes
    ----------
    kind : str
        "grid", "points", "latin_hypercube" or "sobol".
    points : tuple of dict
        One mapping of dotted key to value per point.
    """

    kind: str
    points: tuple[dict[str, Any], ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """The varied keys, in order of first appearance."""
        return tuple(dict.fromkeys(k for p in self.points for k in p))

    def __len__(self) -> int:
        return len(self.points)


def check_key(key: str) -> str:
    """``key`` if it is a dotted case key (``section.name[.name...]``), else a ValueError."""
    if not isinstance(key, str) or not key or any(not part for part in key.split(".")) or "." not in key:
        raise ValueError(f"parameter key {key!r} must be a dotted case key such as 'geometry.overlap_ratio'")
    return key


def grid(parameters: Mapping[str, Sequence[Any]]) -> Design:
    """The full factorial grid of ``{key: values}`` (the last key varies fastest)."""
    if not parameters:
        raise ValueError("a grid needs at least one parameter")
    for key, values in parameters.items():
        check_key(key)
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) == 0:
            raise ValueError(f"grid parameter '{key}' needs a non-empty list of values, got {values!r}")
    keys = list(parameters)
    return Design("grid", tuple(dict(zip(keys, combo)) for combo in itertools.product(*parameters.values())))


def explicit(points: Sequence[Mapping[str, Any]]) -> Design:
    """An explicit list of points (each ``{key: value}``)."""
    if not points:
        raise ValueError("an explicit design needs at least one point")
    for point in points:
        for key in point:
            check_key(key)
    return Design("points", tuple(dict(p) for p in points))


def _ranges(ranges: Mapping[str, Range | tuple[float, float]]) -> dict[str, Range]:
    if not ranges:
        raise ValueError("a sampled design needs at least one parameter range")
    return {check_key(k): (r if isinstance(r, Range) else Range(*r)) for k, r in ranges.items()}


def _sampled(kind: str, sampler, ranges: dict[str, Range], samples: int) -> Design:
    if not (isinstance(samples, int) and samples > 0):
        raise ValueError(f"samples={samples!r} must be a positive integer")
    unit = sampler.random(samples)
    columns = {key: r.scale(unit[:, j]) for j, (key, r) in enumerate(ranges.items())}
    return Design(kind, tuple({key: float(columns[key][i]) for key in ranges} for i in range(samples)))


def latin_hypercube(ranges: Mapping[str, Range | tuple[float, float]], samples: int, seed: int = 0) -> Design:
    """A Latin hypercube of ``samples`` points over ``{key: (low, high)}`` (scipy.stats.qmc, seeded)."""
    ranges = _ranges(ranges)
    return _sampled("latin_hypercube", qmc.LatinHypercube(d=len(ranges), rng=np.random.default_rng(seed)), ranges, samples)


def sobol(ranges: Mapping[str, Range | tuple[float, float]], samples: int, seed: int = 0) -> Design:
    """A scrambled Sobol sequence of ``samples`` points (a power of 2 keeps its balance properties)."""
    ranges = _ranges(ranges)
    if not (isinstance(samples, int) and samples > 0):
        raise ValueError(f"samples={samples!r} must be a positive integer")
    if samples & (samples - 1):
        raise ValueError(f"samples={samples} for a Sobol design must be a power of 2 (its balance needs it)")
    return _sampled("sobol", qmc.Sobol(d=len(ranges), scramble=True, rng=np.random.default_rng(seed)), ranges, samples)


def design_from_table(table: Mapping[str, Any]) -> Design:
    """A design from a study file's ``[design]`` table.

    ``kind = "grid"`` with ``parameters = {key = [values]}``; ``kind = "points"`` with
    ``points = [{key = value, ...}, ...]``; ``kind = "latin_hypercube" | "sobol"`` with
    ``parameters = {key = {low, high, log = false}}``, ``samples`` and ``seed``.
    """
    table = dict(table)
    kind = table.pop("kind", "grid")
    allowed = {"grid": {"parameters"}, "points": {"points"}, "latin_hypercube": {"parameters", "samples", "seed"},
               "sobol": {"parameters", "samples", "seed"}}
    if kind not in allowed:
        raise ValueError(f"[design] kind={kind!r} is not known; allowed: {', '.join(allowed)}")
    unknown = sorted(set(table) - allowed[kind])
    if unknown:
        raise ValueError(f"[design] keys {unknown} do not apply to kind='{kind}'; allowed: {sorted(allowed[kind])}")
    if kind == "grid":
        return grid(table.get("parameters", {}))
    if kind == "points":
        return explicit(table.get("points", []))
    ranges = {}
    for key, spec in dict(table.get("parameters", {})).items():
        if not (isinstance(spec, Mapping) and {"low", "high"} <= set(spec) <= {"low", "high", "log"}):
            raise ValueError(f"[design] parameters.'{key}' = {spec!r} must be {{low = ..., high = ..., log = false}}")
        ranges[key] = Range(float(spec["low"]), float(spec["high"]), bool(spec.get("log", False)))
    sampler = latin_hypercube if kind == "latin_hypercube" else sobol
    return sampler(ranges, table.get("samples", 0), int(table.get("seed", 0)))
