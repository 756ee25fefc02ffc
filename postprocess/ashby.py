"""Ashby chart: simulated designs among reference materials of the field.

Reference data live in ``postprocess/data/ashby_reference.csv``: one row per material with a
(min, max) range per property and the source of the numbers. The chart takes any two
properties by column stem (``density``, ``E``, ``strength``, ``toughness``), so new axes need
data, not code. Units: density g/cm^3, E and strength GPa, toughness K_IC MPa m^1/2.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from solvers.micromechanics.bounds import isotropic_projection
from solvers.micromechanics.engineering import engineering_constants
from solvers.micromechanics.materials import E_nu_from_bulk_shear

__all__ = ["REFERENCE_DATA", "AXIS_LABELS", "ReferenceMaterial", "reference_materials", "design_point",
           "has_design_point", "plot_ashby"]

REFERENCE_DATA = Path(__file__).with_name("data") / "ashby_reference.csv"

#: Axis labels (with units) of the properties the chart knows.
AXIS_LABELS = {"density": "density (g/cm$^3$)", "E": "Young's modulus E (GPa)", "strength": "strength (GPa)",
               "toughness": "fracture toughness $K_{IC}$ (MPa m$^{1/2}$)"}

#: Axis limits per property.
AXIS_LIMITS = {"density": (0.8, 10.0), "E": (1.0, 400.0), "strength": (0.005, 5.0), "toughness": (0.1, 300.0)}

FAMILY_COLOURS = {
    "biological": "#009E73", "bio-inspired": "#D55E00", "mineral": "#56B4E9", "amorphous": "#CC79A7", "2D crystal": "#0072B2",
    "polymer": "#E69F00", "metal": "#7F7F7F",
}


@dataclass(frozen=True)
class ReferenceMaterial:
    """One row of the reference data: ranges ``{property: (min, max)}`` and their source."""

    name: str
    family: str
    ranges: dict[str, tuple[float, float]]
    source: str


def reference_materials(path: str | Path = REFERENCE_DATA) -> list[ReferenceMaterial]:
    """Read the reference table (comment lines start with #); every row must cite a source."""
    lines = [line for line in Path(path).read_text().splitlines() if line and not line.startswith("#")]
    rows = []
    for row in csv.DictReader(lines):
        if not row.get("source", "").strip():
            raise ValueError(f"reference material '{row['name']}' in {path} has no source")
        stems = {key[: -len("_min")] for key in row if key.endswith("_min")}
        ranges = {s: (float(row[f"{s}_min"]), float(row[f"{s}_max"])) for s in stems if row[f"{s}_min"]}
        rows.append(ReferenceMaterial(row["name"], row["family"], ranges, row["source"]))
    return rows


def has_design_point(summary: dict, y: str = "E", x: str = "density") -> bool:
    """True when :func:`design_point` gives a summary both coordinates ``x`` and ``y``."""
    return _chart_point(summary, x, y) is not None


def _chart_point(summary: dict, x: str, y: str) -> dict[str, float] | None:
    """The design point of a summary if it has both coordinates, else None."""
    try:
        point = design_point(summary)
    except ValueError:
        return None
    return point if x in point and y in point else None


def design_point(summary: dict) -> dict[str, float]:
    """Chart coordinates of a simulated design: density (g/cm^3) and, where the results give them,
    Young's modulus E, strength (GPa) and fracture toughness (MPa m^1/2).

    Stiffness results: E of the isotropic projection of the stiffness (3D), or the mean of the
    true in-plane Young's moduli E1, E2 (uniaxial stress, sigma33 = 0) from the generalized
    plane-strain stiffness (2D; not the plane-strain modulus E / (1 - nu^2), which a 2D
    stiffness alone gives). Strength results: the peak strength along the load. Toughness
    results: an RVE's peak strength, and ``K = sqrt(E G)`` with ``E`` the modulus of the loading
    state and ``G`` the RVE's crack energy per unit cross-section (dissipated energy per volume
    times the cell's length along the load, J/m^2); a notched specimen's ``K_JC``.
    """
    point = {"density": float(summary["density"])}
    if "strength" in summary:
        point["strength"] = float(summary["strength"]["peak_strength_GPa"])
    if "toughness" in summary:
        point.update(_toughness_point(summary))
    if "C" not in summary:
        return point
    C = np.array(summary["C"])
    if C.shape == (6, 6):
        point["E"] = float(E_nu_from_bulk_shear(*isotropic_projection(C))[0])
    elif "C_generalized" in summary:
        engineering = engineering_constants(np.array(summary["C_generalized"]))
        point["E"] = float(0.5 * (engineering["E1"] + engineering["E2"]))
    else:
        raise ValueError("a 2D result needs its generalized plane-strain stiffness (strain-driven boundary conditions) "
                         "for a Young's modulus; this one (static BCs) has only the plane-strain stiffness")
    return point


def _toughness_point(summary: dict) -> dict[str, float]:
    metrics = summary["toughness"]
    if metrics.get("mode") == "notched":
        return {"toughness": float(metrics["K_JC_MPa_sqrt_m"])} if metrics.get("K_JC_MPa_sqrt_m") else {}
    axis = "123".index(metrics["loaded_component"][0])
    length = float(summary["geometry"]["box"][axis])                              # nm
    crack_energy = metrics["dissipated_energy_MJ_m3"] * 1e-3 * length             # GPa nm = J/m^2
    K = np.sqrt(metrics["modulus_GPa"] * 1e9 * crack_energy) / 1e6               # MPa m^1/2
    return {"strength": float(metrics["peak_strength_GPa"]), "toughness": float(K)}


def _spread(ys: Sequence[float], xs: Sequence[float], gap: float = 0.055) -> list[float]:
    """Label heights (log-spaced at least ``gap`` decades apart among labels at similar x)."""
    logs = np.log10(np.asarray(ys, float))
    order = np.argsort(logs)
    placed = logs.copy()
    for _ in range(50):
        moved = False
        for a, b in zip(order[:-1], order[1:], strict=True):
            near = abs(np.log10(xs[a] / xs[b])) < 0.25
            if near and placed[b] - placed[a] < gap:
                push = (gap - (placed[b] - placed[a])) / 2
                placed[a] -= push
                placed[b] += push
                moved = True
        order = np.argsort(placed)
        if not moved:
            break
    return list(10**placed)


def plot_ashby(
    designs: Sequence[dict] = (),
    labels: Sequence[str] = (),
    x: str = "density",
    y: str = "E",
    references: Sequence[ReferenceMaterial] | None = None,
) -> Any:
    """Log-log chart of property ``y`` against ``x``: reference ranges as boxes, designs as stars.

    Parameters
    ----------
    designs : sequence of dict
        ``summary.json`` contents of simulated cases (those without a Young's modulus are left out).
    labels : sequence of str
        Their names.
    x, y : str
        Property stems (columns of the reference data).
    references : sequence of ReferenceMaterial, optional
        Default: the shipped table.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    references = reference_materials() if references is None else references
    fig = Figure(figsize=(7.5, 5.5), layout="constrained")
    ax = fig.add_subplot()
    ax.set_xscale("log")
    ax.set_yscale("log")
    drawn_families = set()
    anchors = []
    for ref in references:
        if x not in ref.ranges or y not in ref.ranges:
            continue
        (x0, x1), (y0, y1) = ref.ranges[x], ref.ranges[y]
        x0, x1, y0, y1 = x0 / 1.02, x1 * 1.02, y0 / 1.04, y1 * 1.04  # a point datum still shows as a box
        colour = FAMILY_COLOURS.get(ref.family, "#999999")
        label = ref.family if ref.family not in drawn_families else None
        drawn_families.add(ref.family)
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor=colour, alpha=0.35, edgecolor=colour, label=label))
        anchors.append((ref.name, x1, np.sqrt(y0 * y1)))
    for (name, ax_x, ax_y), label_y in zip(anchors, _spread([a[2] for a in anchors], [a[1] for a in anchors]), strict=True):
        ax.annotate(name, (ax_x, ax_y), xytext=(ax_x * 1.06, label_y), fontsize=7, va="center", color="#333333",
                    arrowprops={"arrowstyle": "-", "color": "#999999", "lw": 0.5} if abs(np.log10(label_y / ax_y)) > 0.01 else None)
    limits = {x: list(AXIS_LIMITS.get(x, (0.8, 10.0))), y: list(AXIS_LIMITS.get(y, (1.0, 400.0)))}
    for summary, label in zip(designs, labels, strict=True):
        point = _chart_point(summary, x, y)
        if point is None:
            continue
        ax.plot(point[x], point[y], "*", ms=16, color="#D55E00", markeredgecolor="black")
        for axis in (x, y):  # a design beyond the usual range widens the chart to show it
            limits[axis] = [min(limits[axis][0], point[axis] / 2), max(limits[axis][1], point[axis] * 2)]
        left_half = np.log(point[x] / limits[x][0]) < 0.5 * np.log(limits[x][1] / limits[x][0])
        ax.annotate(label, (point[x], point[y]), xytext=(9, 9) if left_half else (-9, 9), textcoords="offset points",
                    fontsize=8, weight="bold", ha="left" if left_half else "right")  # the label stays inside the chart
    ax.autoscale_view()
    ax.set_xlim(*limits[x])
    ax.set_ylim(*limits[y])
    ax.set_xlabel(AXIS_LABELS.get(x, x))
    ax.set_ylabel(AXIS_LABELS.get(y, y))
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"simulated designs (stars) among reference materials: {y} against {x}", fontsize=10)
    return fig
