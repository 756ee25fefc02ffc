"""Pictures of a parameter study (a folder written by :class:`solvers.studies.Study`).

* each property against each varied parameter, one line per combination of the others, with the
  Voigt/Reuss band (and Hashin-Shtrikman's, for the bulk modulus) shaded where the property is an
  elastic modulus whose bounds the points' summaries carry;
* a map of a property over a two-parameter grid;
* a scatter matrix of parameters and properties for sampled designs;
* the study's designs on the Ashby charts (:func:`postprocess.ashby.plot_ashby`): modulus and
  strength against density, strength against fracture toughness, where the designs give them.

Units are the table's: moduli and strengths GPa, densities g/cm^3, lengths nm (column names
and the case docs say which). Needs no MPI and no DOLFINx.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from postprocess.ashby import has_design_point, plot_ashby
from postprocess.plots import moduli_with_bounds

__all__ = ["StudyResults", "load_study_results", "plot_property_against_parameter", "plot_pairwise_map",
           "plot_scatter_matrix", "plot_study_ashby", "render_study_figures", "is_study_folder"]

_BOOKKEEPING = ("status", "error", "wall_seconds", "dofs", "ranks", "group", "point_id")
_SOLVER_WORDS = ("iterations", "energy_balance", "steps", "passes", "resumed", "factorisations", "unknowns")


#: The properties a study's figures show first, where its table has them (GPa, g/cm^3, MJ/m^3).
HEADLINE = ("E1", "E2", "E3", "G12", "G13", "K", "k", "peak_strength_GPa", "yield_strength_GPa", "failure_strain",
            "work_of_fracture_MJ_m3", "K_JC_MPa_sqrt_m", "J_IC_J_m2", "density")

#: A study Ashby chart with more designs than this numbers its stars and names them in a key.
KEYED_ABOVE = 4

#: The Ashby charts of a study (figure name -> (y, x)), drawn where its designs give both axes:
#: modulus and strength against density (GPa, g/cm^3), strength against fracture toughness K_IC
#: (MPa m^1/2).
ASHBY_CHARTS = {"ashby": ("E", "density"), "ashby_strength": ("strength", "density"),
                "ashby_toughness": ("strength", "toughness")}


def is_study_folder(directory: str | Path) -> bool:
    """True for a study's folder (it holds ``table.parquet`` and ``points/``)."""
    directory = Path(directory)
    return (directory / "table.parquet").exists() and (directory / "points").is_dir()


class StudyResults:
    """A study's table and the summaries of its finished points.

    Attributes
    ----------
    directory : Path
    table : pandas.DataFrame
    parameters : list of str
        The varied keys (the columns before the results).
    summaries : dict of str to dict
        ``summary.json`` of every finished point, by point id.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.table = pd.read_parquet(self.directory / "table.parquet")
        records = [json.loads(p.read_text()) for p in sorted((self.directory / "points").glob("*.json"))]
        keys = {k for r in records for k in r.get("parameters", {})}
        self.parameters = [c for c in self.table.columns if c in keys]
        self.summaries: dict[str, dict] = {}
        for point in self.table.loc[self.table["status"] == "ok", "point_id"]:
            path = self.directory / "runs" / point / "summary.json"
            if path.exists():
                self.summaries[point] = json.loads(path.read_text())

    @property
    def design_parameters(self) -> list[str]:
        """The varied parameters that are design choices (``mesh.*`` keys are numerical knobs)."""
        return [p for p in self.parameters if not p.startswith("mesh.")]

    def numeric(self, parameter: str) -> bool:
        """Whether a parameter takes numbers (plotted along an axis) rather than names."""
        return pd.api.types.is_numeric_dtype(self.table[parameter])

    @property
    def ok(self) -> pd.DataFrame:
        """The rows of finished, successful points."""
        return self.table[self.table["status"] == "ok"]

    def properties(self) -> list[str]:
        """Numeric result columns that vary over the finished points."""
        ok = self.ok
        out = []
        for c in ok.columns:
            if c in self.parameters or c in _BOOKKEEPING or not pd.api.types.is_numeric_dtype(ok[c]):
                continue
            if any(word in c for word in _SOLVER_WORDS):
                continue  # how the solve went, not a property of the design
            values = ok[c].to_numpy(float)
            if np.isfinite(values).any() and np.nanstd(values) > 1e-9 * max(np.nanmax(np.abs(values)), 1e-300):
                out.append(c)
        return out


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float, np.number)) else str(value)


def load_study_results(directory: str | Path) -> StudyResults:
    """Read a study folder."""
    return StudyResults(directory)


def _bounds(results: StudyResults, rows: pd.DataFrame, name: str) -> dict[str, np.ndarray] | None:
    """Voigt/Reuss (and HS) bounds of modulus ``name`` at the given rows, or None."""
    bands: dict[str, list[float]] = {}
    for point in rows["point_id"]:
        summary = results.summaries.get(point)
        if summary is None or "bounds" not in summary or "C" not in summary:
            return None
        entry = moduli_with_bounds(summary).get(name)
        if entry is None:
            return None
        for key in ("voigt", "reuss", "hs_lower", "hs_upper"):
            if key in entry:
                bands.setdefault(key, []).append(entry[key])
    return {k: np.asarray(v) for k, v in bands.items() if len(v) == len(rows)}


def plot_property_against_parameter(results: StudyResults, parameter: str, properties: Sequence[str]) -> Any:
    """Each property against ``parameter``: one line per combination of the other parameters,
    with the Voigt/Reuss band shaded (and HS for the bulk modulus) for elastic moduli."""
    from matplotlib.figure import Figure

    ok = results.ok
    # one line per combination of the other parameters, mesh keys included, except those that
    # follow from this one (e.g. an element size set from a thickness)
    others = [p for p in results.parameters if p != parameter
              and ok.groupby(parameter, dropna=False)[p].nunique(dropna=False).max() > 1]
    n = len(properties)
    cols = min(n, 3)
    rows_n = int(np.ceil(n / cols))
    fig = Figure(figsize=(4.2 * cols, 3.4 * rows_n), layout="constrained")
    groups = list(ok.groupby(others, sort=True, dropna=False)) if others else [((), ok)]
    colours = [f"C{i % 10}" for i in range(len(groups))]
    for k, prop in enumerate(properties):
        ax = fig.add_subplot(rows_n, cols, k + 1)
        for (key, rows), colour in zip(groups, colours):
            rows = rows.sort_values(parameter)
            x = rows[parameter].to_numpy(float)
            label = ", ".join(f"{o}={_text(v)}" for o, v in zip(others, key if isinstance(key, tuple) else (key,))) \
                if others else None
            ax.plot(x, rows[prop].to_numpy(float), "o-", color=colour, lw=1.8, ms=4, label=label)
            bands = _bounds(results, rows, prop)
            if bands and "voigt" in bands and "reuss" in bands:
                ax.fill_between(x, bands["reuss"], bands["voigt"], color=colour, alpha=0.12, lw=0,
                                label="Voigt-Reuss" if colour == colours[0] else None)
            if bands and "hs_lower" in bands and "hs_upper" in bands:
                ax.fill_between(x, bands["hs_lower"], bands["hs_upper"], color=colour, alpha=0.25, lw=0,
                                label="Hashin-Shtrikman" if colour == colours[0] else None)
        ax.set_xlabel(parameter)
        ax.set_ylabel(prop)
        ax.grid(alpha=0.3)
        if k == 0 and (others or ax.get_legend_handles_labels()[0]):
            ax.legend(fontsize=7)
    fig.suptitle(f"{results.directory.name}: properties against {parameter}")
    return fig


def plot_pairwise_map(results: StudyResults, x: str, y: str, prop: str) -> Any:
    """``prop`` over a two-parameter grid of ``x`` and ``y`` (filled contours and the points)."""
    from matplotlib.figure import Figure

    ok = results.ok
    grid = ok.pivot_table(index=y, columns=x, values=prop, aggfunc="mean")
    fig = Figure(figsize=(5.5, 4.4), layout="constrained")
    ax = fig.add_subplot()
    X, Y = np.meshgrid(grid.columns.to_numpy(float), grid.index.to_numpy(float))
    Z = grid.to_numpy(float)
    if min(Z.shape) >= 2 and np.isfinite(Z).all():
        mesh = ax.contourf(X, Y, Z, levels=12, cmap="viridis")
        ax.contour(X, Y, Z, levels=mesh.levels, colors="k", linewidths=0.4)
    else:
        mesh = ax.pcolormesh(X, Y, Z, cmap="viridis", shading="nearest")
    fig.colorbar(mesh, ax=ax, label=prop)
    ax.plot(ok[x], ok[y], "w.", ms=6, mec="k")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"{prop}\nover {x.split('.')[-1]} x {y.split('.')[-1]}", fontsize=10)
    return fig


def plot_scatter_matrix(results: StudyResults, columns: Sequence[str]) -> Any:
    """Scatter matrix of parameters and properties of a sampled design (histograms on the diagonal)."""
    from matplotlib.figure import Figure

    data = results.ok[list(columns)].astype(float)
    n = len(columns)
    fig = Figure(figsize=(2.2 * n + 1, 2.2 * n + 1), layout="constrained")
    axes = fig.subplots(n, n, squeeze=False)
    pd.plotting.scatter_matrix(data, ax=axes, diagonal="hist", alpha=0.8, s=18)
    for ax in axes.ravel():
        ax.xaxis.label.set_size(7)
        ax.yaxis.label.set_size(7)
    fig.suptitle(f"{results.directory.name}: sampled designs")
    return fig


def plot_study_ashby(results: StudyResults, y: str = "E", x: str = "density") -> Any:
    """The study's finished designs on the Ashby chart of ``y`` against ``x``."""
    points = [(pid, s) for pid, s in results.summaries.items() if has_design_point(s, y=y, x=x)]
    rows = results.ok.set_index("point_id")
    labels = [", ".join(f"{p.split('.')[-1]}={_text(rows.loc[pid, p])}" for p in results.design_parameters)
              for pid, _ in points]
    if len(points) <= KEYED_ABOVE:
        return plot_ashby([s for _, s in points], labels, x=x, y=y)
    # many designs: number the stars, and name the numbers in a key beside the chart
    fig = plot_ashby([s for _, s in points], [str(k + 1) for k in range(len(points))], x=x, y=y)
    from matplotlib.lines import Line2D

    fig.set_size_inches(11.0, 5.5)
    key = [Line2D([], [], linestyle="none", label=f"{k + 1}: {label}") for k, label in enumerate(labels)]
    fig.legend(handles=key, loc="outside right upper", fontsize=7, handlelength=0, handletextpad=0,
               title="designs", title_fontsize=8)
    return fig


def render_study_figures(directory: str | Path, out: str | Path | None = None) -> dict[str, Path]:
    """Write the study's figures (PNG) into ``out`` (default ``DIR/figures``); returns name -> path."""
    results = load_study_results(directory)
    out = Path(out) if out is not None else results.directory / "figures"
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    if results.ok.empty:
        return written

    def save(name: str, fig) -> None:
        path = out / f"{name}.png"
        fig.savefig(path, dpi=130)
        written[name] = path

    properties = results.properties()
    headline = [p for p in HEADLINE if p in properties] or properties[:6]
    extra = [p for p in properties if p not in headline and not p.startswith("C") and not p.startswith("nu")][:6]
    chosen = (headline + extra)[:9]
    axes = [p for p in results.design_parameters if results.numeric(p)]
    sampled = len(results.ok) > 2 and len(axes) > 1 and all(results.ok[p].nunique() == len(results.ok) for p in axes)
    if sampled:
        save("scatter_matrix", plot_scatter_matrix(results, axes + chosen[:4]))
    for parameter in axes:
        if results.ok[parameter].nunique() > 1 and chosen and not sampled:
            save(f"against_{parameter.replace('.', '_')}", plot_property_against_parameter(results, parameter, chosen))
    varied = [p for p in results.parameters if results.ok[p].nunique() > 1]
    if len(axes) == 2 and len(varied) == 2 and not sampled:
        x, y = axes
        if results.ok[x].nunique() > 1 and results.ok[y].nunique() > 1:
            for prop in chosen[:3]:
                save(f"map_{prop}", plot_pairwise_map(results, x, y, prop))
    for name, (y, x) in ASHBY_CHARTS.items():
        if any(has_design_point(s, y=y, x=x) for s in results.summaries.values()):
            save(name, plot_study_ashby(results, y=y, x=x))
    return written
