"""Macroscopic stress-strain curves of strength (and fracture) runs, with their headline points.

Reads ``summary.json`` contents: ``curve`` (``loaded_strain``, ``loaded_stress`` in GPa, loading
positive) and ``strength`` (0.2 %-offset yield, peak). Figures are matplotlib ``Figure`` objects
built without pyplot (headless). Units: stress GPa, strain dimensionless (shown in %).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["has_curve", "has_r_curve", "plot_stress_strain", "plot_force_displacement", "plot_r_curve"]

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


def has_r_curve(summary: dict) -> bool:
    """True when a summary is a notched-specimen toughness run (force-displacement and R-curve)."""
    return summary.get("toughness", {}).get("mode") == "notched" and len(summary.get("curve", {}).get("force", [])) > 1


def plot_force_displacement(summaries: Sequence[dict], labels: Sequence[str], title: str = "") -> Any:
    """Overlaid force-displacement curves of notched specimens, the peak of each marked (star).

    Forces are per unit thickness in 2D (GPa nm = N/m), in GPa nm^2 (= nN) in 3D; displacements nm.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 4.8), layout="constrained")
    ax = fig.add_subplot()
    for k, (summary, label) in enumerate(zip(summaries, labels, strict=True)):
        colour = _PALETTE[k % len(_PALETTE)]
        curve, metrics = summary["curve"], summary["toughness"]
        ax.plot(curve["displacement"], curve["force"], "-", color=colour, lw=2, label=label)
        ax.plot(metrics["displacement_at_peak"], metrics["peak_force"], "*", ms=14, color=colour, mec="black")
    ax.set_xlabel("load-point displacement (nm)")
    ax.set_ylabel("force (GPa nm per nm of thickness = N/m)")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(title or "force-displacement (stars: peak force)", fontsize=10)
    return fig


def _crack_energies(toughness: dict) -> dict[str, float]:
    """The toughness of a crack in each phase (J/m^2): its Gc, or along an interface the value asked."""
    energies = dict(toughness.get("fracture_energies_J_m2", {}))
    energies.update({p: v["interface_J_m2"] for p, v in toughness.get("interfaces", {}).items()})
    return energies


def plot_r_curve(summaries: Sequence[dict], labels: Sequence[str], title: str = "") -> Any:
    """Fracture resistance G_R (J/m^2, from the dissipated energy) against crack extension (nm)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 4.8), layout="constrained")
    ax = fig.add_subplot()
    for k, (summary, label) in enumerate(zip(summaries, labels, strict=True)):
        colour = _PALETTE[k % len(_PALETTE)]
        r = summary["toughness"]["R_curve"]
        ax.plot(r["crack_extension_nm"], r["G_R_J_m2"], "o-", color=colour, lw=2, label=label)
    for gc in {v for s in summaries for v in _crack_energies(s["toughness"]).values()}:
        ax.axhline(gc, color="grey", ls=":", lw=1)
    ax.set_xlabel("crack extension (nm)")
    ax.set_ylabel("fracture resistance $G_R$ (J/m$^2$)")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(title or "R-curve (dotted: the phases' and interfaces' fracture energies)", fontsize=10)
    return fig
