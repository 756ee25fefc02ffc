"""Matplotlib figures of effective stiffness and local stress (units: GPa).

* :func:`plot_directional_modulus`: Young's modulus along every direction
  (:func:`solvers.micromechanics.engineering.directional_modulus`, re-exported here); a surface
  in 3D, a polar curve (plane-strain modulus) in 2D.
* :func:`plot_moduli_with_bounds`: engineering moduli of several cases beside their Voigt and
  Reuss bounds (rigorous: ``C_R <= C <= C_V`` bounds every ``1/S_ii``) and, where the phases are
  isotropic, the Hashin-Shtrikman bounds (which hold for isotropic composites).
* :func:`plot_stress_histograms`: volume-weighted distribution of a local stress per phase,
  which shows which phase carries the load.

Figures are ``matplotlib.figure.Figure`` objects built without pyplot, so they render headless.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from postprocess.results import Results
from solvers.micromechanics.engineering import directional_modulus, engineering_constants

__all__ = [
    "directional_modulus",
    "plot_directional_modulus",
    "moduli_with_bounds",
    "plot_moduli_with_bounds",
    "plot_stress_histograms",
]


def _figure(size: tuple[float, float]) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


def plot_directional_modulus(C: np.ndarray, title: str = "", resolution: int = 72) -> Any:
    """Directional Young's modulus of a stiffness: 3D surface (6x6 C) or polar curve (3x3 C).

    Parameters
    ----------
    C : numpy.ndarray
        Voigt stiffness (GPa).
    title : str
        Figure title.
    resolution : int
        Samples per angle.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib import cm, colors

    C = np.asarray(C, float)
    if C.shape == (3, 3):
        fig = _figure((5.5, 5.0))
        ax = fig.add_subplot(projection="polar")
        theta = np.linspace(0, 2 * np.pi, 4 * resolution + 1)
        E = directional_modulus(C, np.stack([np.cos(theta), np.sin(theta)], axis=-1))
        ax.plot(theta, E, color="#0072B2", lw=2)
        ax.set_title(title or "plane-strain Young's modulus E'(theta) (GPa)")
        ax.set_rlim(0, 1.1 * E.max())
        return fig
    fig = _figure((6.5, 5.5))
    ax = fig.add_subplot(projection="3d")
    polar, azimuth = np.meshgrid(np.linspace(0, np.pi, resolution), np.linspace(0, 2 * np.pi, 2 * resolution))
    n = np.stack([np.sin(polar) * np.cos(azimuth), np.sin(polar) * np.sin(azimuth), np.cos(polar)], axis=-1)
    E = directional_modulus(C, n)
    xyz = n * E[..., None]
    norm = colors.Normalize(E.min(), E.max() if E.max() > E.min() else E.min() + 1e-9)
    ax.plot_surface(*np.moveaxis(xyz, -1, 0), facecolors=cm.viridis(norm(E)), rstride=1, cstride=1, linewidth=0, shade=False)
    limit = E.max()
    for set_lim in (ax.set_xlim, ax.set_ylim, ax.set_zlim):
        set_lim(-limit, limit)
    ax.set_box_aspect((1, 1, 1))
    ax.set_xlabel("x1 (GPa)")
    ax.set_ylabel("x2 (GPa)")
    ax.set_zlabel("x3 (GPa)")
    fig.colorbar(cm.ScalarMappable(norm=norm, cmap="viridis"), ax=ax, shrink=0.7, label="E(n) (GPa)")
    ax.set_title(title or "directional Young's modulus (GPa)")
    return fig


def moduli_with_bounds(summary: dict) -> dict[str, dict[str, float]]:
    """Engineering moduli (GPa) of a summary with their Voigt/Reuss (and HS) bounds.

    Returns
    -------
    dict
        ``{modulus: {"value", "voigt", "reuss"[, "hs_lower", "hs_upper"]}}`` with the moduli
        E_i and G_ij (``1/S_ii``) and the bulk modulus K (``1/sum S_ij``, i, j <= 3; 2D: the
        plane-strain k).
    """
    C = np.array(summary["C"])
    voigt, reuss = np.array(summary["bounds"]["voigt"]), np.array(summary["bounds"]["reuss"])
    names = ("E1", "E2", "E3", "G23", "G13", "G12") if C.shape == (6, 6) else ("E1", "E2", "G12")

    def moduli(M: np.ndarray) -> dict[str, float]:
        constants = engineering_constants(M)
        out = {name: constants[name] for name in names}
        if C.shape == (6, 6):
            out["K"] = constants["K_reuss"]  # 1 / sum of S_ij, i, j <= 3: the bulk modulus under pressure
        else:
            out["k"] = constants["k"]
        return out

    value, upper, lower = moduli(C), moduli(voigt), moduli(reuss)
    table = {k: {"value": value[k], "voigt": upper[k], "reuss": lower[k]} for k in value}
    hs = summary["bounds"].get("hashin_shtrikman")
    if hs and "K" in table:
        table["K"].update(hs_lower=hs["K"][0], hs_upper=hs["K"][1])
    return table


def plot_moduli_with_bounds(summaries: Sequence[dict], labels: Sequence[str]) -> Any:
    """Effective moduli of several cases side by side, each within its Voigt-Reuss interval.

    Parameters
    ----------
    summaries : sequence of dict
        ``summary.json`` contents (3D and 2D cases are plotted on separate panels).
    labels : sequence of str
        Case names for the legend.

    Returns
    -------
    matplotlib.figure.Figure
    """
    tables = [moduli_with_bounds(s) for s in summaries]
    names = list(dict.fromkeys(k for t in tables for k in t))
    fig = _figure((max(6.0, 1.1 * len(names) + 2), 4.5))
    ax = fig.add_subplot()
    width = 0.8 / max(len(tables), 1)
    palette = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
    for c, (table, label) in enumerate(zip(tables, labels, strict=True)):
        colour = palette[c % len(palette)]
        for k, name in enumerate(names):
            if name not in table:
                continue
            row = table[name]
            x = k - 0.4 + width * (c + 0.5)
            ax.vlines(x, row["reuss"], row["voigt"], color=colour, lw=1.5)
            ax.plot([x, x], [row["reuss"], row["voigt"]], "_", color=colour, ms=14, mew=2)
            if "hs_lower" in row:
                hs_x = x + 0.3 * width
                ax.vlines(hs_x, row["hs_lower"], row["hs_upper"], color=colour, lw=1.5, linestyles="dotted")
                ax.plot([hs_x, hs_x], [row["hs_lower"], row["hs_upper"]], "_", color=colour, ms=8)
            ax.plot(x, row["value"], "o", color=colour, ms=6, label=label if k == 0 else None)
    ax.set_xticks(range(len(names)), names)
    ax.set_yscale("log")
    ax.set_ylabel("modulus (GPa)")
    ax.set_title("effective moduli (dots) between Reuss and Voigt (bars); dotted: Hashin-Shtrikman", fontsize=10)
    ax.legend(loc="best", fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    return fig


def plot_stress_histograms(results: Results, load_case: str = "11", quantity: str = "von_mises", bins: int = 40) -> Any:
    """Volume-weighted distribution of a local stress in each phase for one load case.

    Parameters
    ----------
    results : Results
        A loaded results folder with local fields.
    load_case : str
        Voigt label of the load case.
    quantity : str
        "von_mises" or "stress:IJ".
    bins : int
        Histogram bins.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from postprocess.views import phase_colours

    grid = results.grid
    values, label = results.cell_values(quantity, load_case)
    sizes = grid.compute_cell_sizes(length=False, area=results.dim == 2, volume=results.dim == 3)
    volume = np.abs(np.asarray(sizes.cell_data["Volume" if results.dim == 3 else "Area"]))
    tags = results.phase_of_cells()
    colours = phase_colours(results)
    edges = np.linspace(values.min(), values.max(), bins + 1)
    fig = _figure((6.5, 4.2))
    ax = fig.add_subplot()
    total = volume.sum()
    for tag, name in sorted(results.phase_names.items()):
        mask = tags == tag
        if not mask.any():
            continue
        ax.hist(values[mask], bins=edges, weights=volume[mask] / total, color=colours[tag], alpha=0.6, label=name)
        mean = np.average(values[mask], weights=volume[mask])
        ax.axvline(mean, color=colours[tag], lw=2, ls="--")
    ax.set_xlabel(label)
    ax.set_ylabel("volume fraction of the RVE")
    ax.set_title(f"{results.title}: distribution per phase (dashed: phase mean)", fontsize=9)
    ax.legend()
    return fig
