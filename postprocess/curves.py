"""Macroscopic stress-strain curves of strength (and fracture) runs, with their headline points.

Reads ``summary.json`` contents: ``curve`` (``loaded_strain``, ``loaded_stress`` in GPa, loading
positive) and ``strength`` (0.2 %-offset yield, peak). Figures are matplotlib ``Figure`` objects
built without pyplot (headless). Units: stress GPa, strain dimensionless (shown in %).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["has_curve", "plot_stress_strain"]

_PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def has_curve(summary: dict) -> bool:
    """True when a summary holds a macroscopic stress-strain curve."""
    return "curve" in summary and len(summary["curve"].get("loaded_strain", [])) > 1


def plot_stress_strain(summaries: Sequence[dict], labels: Sequence[str], title: str = "") -> Any:
    """Overlaid stress-strain curves, each with its 0.2 %-offset yield (circle) and peak (star) marked.

    Parameters
    ----------
    summaries : sequence of dict
        ``summary.json`` contents of strength runs.
    labels : sequence of str
        Legend entries.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 4.8), layout="constrained")
    ax = fig.add_subplot()
    for k, (summary, label) in enumerate(zip(summaries, labels, strict=True)):
        colour = _PALETTE[k % len(_PALETTE)]
        curve = summary["curve"]
        e = 100 * np.asarray(curve["loaded_strain"])
        s = np.asarray(curve["loaded_stress"])
        ax.plot(e, s, "-", color=colour, lw=2, label=label)
        metrics = summary.get("strength", summary.get("toughness", {}))
        modulus = metrics.get("modulus_GPa")
        if metrics.get("yield_strength_GPa") is not None and modulus:
            y = metrics["yield_strength_GPa"]
            ax.plot(100 * (y / modulus + 0.002), y, "o", ms=8, mfc="white", mec=colour, mew=2)
            offset = np.linspace(0.2, 100 * (y / modulus + 0.002), 2)
            ax.plot(offset, modulus * (offset / 100 - 0.002), ":", color=colour, lw=1)
        if metrics.get("peak_strength_GPa") is not None:
            ax.plot(100 * metrics["strain_at_peak"], metrics["peak_strength_GPa"], "*", ms=14, color=colour, mec="black")
    ax.set_xlabel("macroscopic strain along the load (%)")
    ax.set_ylabel("macroscopic stress along the load (GPa)")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=min(0.0, ax.get_ylim()[0]))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(title or "stress-strain (circles: 0.2 % offset yield; stars: peak)", fontsize=10)
    return fig
