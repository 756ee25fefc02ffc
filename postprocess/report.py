"""Self-contained HTML reports of results folders (figures embedded as PNG data URIs).

``write_report(DIR)`` writes ``DIR/report.html`` for one case: inputs, the effective stiffness
and engineering constants with their bounds, phase-averaged stresses, every available figure
of :data:`postprocess.figures.FIGURES`, timings and software versions.
``write_comparison([DIR1, DIR2, ...], out)`` puts several cases side by side.
Units: nm, GPa, g/cm^3 (stated in the page).
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from postprocess.figures import FIGURES, render_figures
from postprocess.results import Results, load_results
from solvers.micromechanics.atomic_files import write_text_atomic

__all__ = ["write_report", "write_comparison"]

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .6em 0; font-size: .92em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: right; }
th { background: #f3f3f3; } td.name, th.name { text-align: left; }
figure { display: inline-block; margin: .6em; vertical-align: top; max-width: 520px; }
figure img { max-width: 100%; border: 1px solid #ddd; } figcaption { font-size: .85em; color: #555; }
pre { background: #f7f7f7; padding: .8em; overflow-x: auto; font-size: .85em; }
.units { color: #666; font-size: .9em; }
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _number(value: float) -> str:
    return f"{value:.4g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], first_is_name: bool = True) -> str:
    head = "".join(f'<th class="name">{_e(h)}</th>' if i == 0 and first_is_name else f"<th>{_e(h)}</th>"
                   for i, h in enumerate(header))
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            text = _number(cell) if isinstance(cell, float) else _e(cell)
            cells.append(f'<td class="name">{text}</td>' if i == 0 and first_is_name else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _image(path: Path, caption: str) -> str:
    """A figure with its file embedded (PNG or animated GIF)."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    kind = "gif" if path.suffix == ".gif" else "png"
    return (f'<figure><img src="data:image/{kind};base64,{data}" alt="{_e(caption)}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f"<style>{STYLE}</style></head><body>{body}</body></html>\n")


def _strength_section(results: Results) -> str:
    s = results.summary
    if "strength" not in s:
        return ""
    m = s["strength"]

    def value(key: str, scale: float = 1.0) -> object:
        return "none" if m.get(key) is None else float(m[key]) * scale

    rows = [["0.2 % offset yield strength (GPa)", value("yield_strength_GPa")],
            ["peak strength (GPa)", value("peak_strength_GPa")],
            ["strain at peak (%)", value("strain_at_peak", 100.0)],
            [f"work to {100 * m['work_to_strain']:.3g} % strain (MJ/m^3)", value("work_MJ_per_m3")],
            ["initial modulus along the load (GPa)", value("modulus_GPa")],
            ["energy balance |W_ext - W_el - W_p| / W_ext", float(m["energy_balance"])],
            ["load steps", m["steps"]], ["Newton iterations per step", float(m["newton_iterations_per_step"])]]
    control = m["control"]
    text = (f"Control: {_e(control['type'])}; controlled {_e(', '.join(control['controlled']))} along "
            f"{_e(control['path'])}; held stresses on {_e(', '.join(control['free']))} "
            f"({_e(control['stress_targets_GPa'] or 'all 0')} GPa). Loaded component {_e(m['loaded_component'])}.")
    return ("<h2>Strength</h2>" + f"<p class='units'>{text}</p>" + _table(["quantity", "value"], rows))


def _stiffness_section(results: Results) -> str:
    from postprocess.plots import moduli_with_bounds

    s = results.summary
    if "C" not in s:
        return ""
    labels = results.load_cases
    C = np.array(s["C"])
    parts = ["<h2>Effective stiffness</h2>",
             f'<p class="units">Voigt notation ({", ".join(labels)}), engineering shear strains; GPa. '
             f"Boundary condition: {_e(s['bc'])}; Lagrange degree {s['degree']}.</p>",
             _table(["C (GPa)", *labels], [[lab, *map(float, row)] for lab, row in zip(labels, C, strict=True)])]
    bounds = moduli_with_bounds(s)
    rows = [[name, v["value"], v["reuss"], v["voigt"], v.get("hs_lower", ""), v.get("hs_upper", "")] for name, v in bounds.items()]
    parts += ["<h2>Engineering constants and bounds</h2>",
              '<p class="units">Moduli in GPa. Reuss and Voigt columns are the same modulus of the Reuss and Voigt '
              "tensors of the phases (rigorous bounds); HS: Hashin-Shtrikman bounds on the bulk modulus "
              "(isotropic phases).</p>",
              _table(["modulus", "value", "Reuss", "Voigt", "HS lower", "HS upper"], rows),
              _table(["constant", "value"], [[k, float(v)] for k, v in s["engineering"].items()])]
    return "".join(parts)


def _material_section(results: Results) -> str:
    s = results.summary
    rows = []
    for phase, material in s["materials"].items():
        plasticity = material.get("plasticity")
        yielding = "elastic" if plasticity is None else ", ".join(
            f"{k} {v}" for k, v in plasticity.items() if k not in ("source",) and v not in (None, 0.0))
        rows.append([phase, material["name"], material.get("E_GPa", "anisotropic"), material.get("nu", ""),
                     material["density_g_cm3"], s["volume_fractions"].get(phase, 0.0),
                     s["geometry"]["geometric_volume_fractions"].get(phase, 0.0), yielding, material["source"]])
    table = _table(["phase", "material", "E (GPa)", "nu", "density (g/cm3)", "fraction (meshed)", "fraction (CAD)",
                    "plasticity (GPa)", "source"], rows)
    return f"<h2>Phases</h2>{table}<p>Effective density: {_number(s['density'])} g/cm<sup>3</sup>.</p>"


def _local_section(results: Results) -> str:
    local = results.summary.get("local_fields")
    if not local:
        return ""
    rows = []
    for load_case, phases in local["phase_averages"].items():
        for phase, values in phases.items():
            rows.append([f"{load_case} / {phase}", *map(float, values["stress"]), values["von_mises_mean"], values["von_mises_max"]])
    header = ["load case / phase", *(f"σ{c}" for c in ("11", "22", "33", "23", "13", "12")), "mean von Mises", "max von Mises"]
    return (f"<h2>Stress carried by each phase</h2><p class='units'>Volume averages per {_e(local['load'])}; GPa.</p>"
            + _table(header, rows))


def _run_section(results: Results) -> str:
    s = results.summary
    timings = [[k, float(v)] for k, v in s["timings"].items()]
    software = [[k, v] for k, v in s["software"].items()]
    size = f"{s['dofs']} displacement dofs, {s['mesh']['cells']} cells, {s['ranks']} MPI ranks"
    iterations = f"; Krylov iterations per load case: {_e(s['iterations'])}" if "iterations" in s else ""
    return (f"<h2>Run</h2><p>{_e(size)}{iterations}.</p>"
            + _table(["phase", "seconds"], timings) + _table(["software", "version"], software))


def write_report(directory: str | Path, figures: Sequence[str] | None = None) -> Path:
    """Write ``directory/report.html`` (self-contained) and the figures into ``directory/figures``.

    Parameters
    ----------
    directory : path
        A results folder.
    figures : sequence of str, optional
        Figure names to include (default: every available one).

    Returns
    -------
    pathlib.Path
        The report.
    """
    results = load_results(directory)
    written = render_figures(results, results.directory / "figures", figures)
    captions = {spec.name: spec.caption for spec in FIGURES}
    s = results.summary
    inputs = json.dumps(s["case"]["inputs"], indent=2)
    body = [f"<h1>{_e(results.title)}</h1>",
            f"<p class='units'>amorfem results in <code>{_e(results.directory)}</code>. Units: lengths nm, "
            "stresses and moduli GPa, density g/cm<sup>3</sup>.</p>",
            _material_section(results), _stiffness_section(results), _strength_section(results), _local_section(results),
            "<h2>Figures</h2>", *[_image(path, captions[name]) for name, path in written.items()],
            "<h2>Inputs</h2>", f"<pre>{_e(inputs)}</pre>", _run_section(results)]
    path = results.directory / "report.html"
    write_text_atomic(path, _page(results.title, "".join(body)))
    return path


def write_comparison(directories: Sequence[str | Path], out: str | Path) -> Path:
    """Write one HTML page comparing several results folders side by side.

    Stiffness results are compared by their moduli and bounds and on the modulus chart, strength
    results by their curves and strengths and on the strength chart.

    Parameters
    ----------
    directories : sequence of path
        Results folders.
    out : path
        The HTML file; its figures go to ``<out stem>_figures/`` beside it.

    Returns
    -------
    pathlib.Path
    """
    from postprocess.ashby import plot_ashby
    from postprocess.curves import has_curve, plot_stress_strain
    from postprocess.plots import moduli_with_bounds, plot_directional_modulus, plot_moduli_with_bounds

    cases = [load_results(d) for d in directories]
    out = Path(out)
    figure_dir = out.with_name(f"{out.stem}_figures")
    figure_dir.mkdir(parents=True, exist_ok=True)
    stiff = [r for r in cases if "C" in r.summary]
    strong = [r for r in cases if has_curve(r.summary)]
    figures = []
    if stiff:
        figures += [("bounds", plot_moduli_with_bounds([r.summary for r in stiff], [r.title for r in stiff]),
                     "Effective moduli and their bounds."),
                    ("ashby", plot_ashby([r.summary for r in stiff], [r.title for r in stiff]),
                     "The designs on the modulus-density chart.")]
    if strong:
        figures += [("stress_strain", plot_stress_strain([r.summary for r in strong], [r.title for r in strong]),
                     "Stress-strain curves (circles: 0.2 % offset yield; stars: peak)."),
                    ("ashby_strength", plot_ashby([r.summary for r in strong], [r.title for r in strong], y="strength"),
                     "The designs on the strength-density chart.")]
    images = []
    for name, figure, caption in figures:
        figure.savefig(figure_dir / f"{name}.png", dpi=110)
        images.append(_image(figure_dir / f"{name}.png", caption))
    for k, r in enumerate(cases):
        phases = render_figures(r, figure_dir / f"case{k}", ["phases"])["phases"]
        images.append(_image(phases, f"{r.title}: phases"))
        if "C" in r.summary:
            path = figure_dir / f"case{k}_directional.png"
            plot_directional_modulus(r.C, title=r.title).savefig(path, dpi=90)
            images.append(_image(path, f"{r.title}: directional Young's modulus (GPa)"))
    summaries = [r.summary for r in cases]
    rows = [["analysis", *[r.analysis for r in cases]],
            ["density (g/cm3)", *[float(s["density"]) if "density" in s else "" for s in summaries]],
            ["dofs", *[s["dofs"] for s in summaries]]]
    tables = [moduli_with_bounds(s) if "C" in s else {} for s in summaries]
    moduli = list(dict.fromkeys(k for t in tables for k in t))
    rows += [[f"{m} (GPa)", *[float(t[m]["value"]) if m in t else "" for t in tables]] for m in moduli]
    for key, label in (("yield_strength_GPa", "0.2 % yield (GPa)"), ("peak_strength_GPa", "peak strength (GPa)"),
                       ("work_MJ_per_m3", "work (MJ/m^3)")):
        values = [s.get("strength", {}).get(key) for s in summaries]
        if any(v is not None for v in values):
            rows.append([label, *["" if v is None else float(v) for v in values]])
    names = [r.title for r in cases]
    body = ["<h1>amorfem comparison</h1>", "<p class='units'>Units: GPa, g/cm<sup>3</sup>, MJ/m<sup>3</sup>.</p>",
            _table(["quantity", *names], rows), "<h2>Figures</h2>", *images]
    write_text_atomic(out, _page("amorfem comparison", "".join(body)))
    return Path(out)


def write_study_report(directory: str | Path) -> Path:
    """Write ``directory/report.html`` for a parameter study's folder: its table and its figures
    (:mod:`postprocess.study_plots`). Units are the table's (GPa, g/cm^3, nm, J/m^2, MJ/m^3)."""
    from postprocess.study_plots import load_study_results, render_study_figures

    results = load_study_results(directory)
    written = render_study_figures(results.directory)
    table = results.table
    counts = table["status"].value_counts().to_dict()
    shown = [c for c in table.columns if c not in ("error", "point_id", "group")]
    rows = [[row[c] if not isinstance(row[c], float) else float(row[c]) for c in shown] for _, row in table.iterrows()]
    failed = table[table["status"] == "failed"]
    captions = {"scatter_matrix": "Sampled designs: parameters and properties against each other.",
                "ashby": "The study's designs on the modulus-density chart."}
    images = [_image(path, captions.get(name, name.replace("_", " ").replace("against ", "properties against ")
                                        + (" (bands: Voigt-Reuss and Hashin-Shtrikman bounds)" if name.startswith("against")
                                           else "")))
              for name, path in written.items()]
    body = [f"<h1>Study {_e(results.directory.name)}</h1>",
            f"<p class='units'>{len(table)} points: " + ", ".join(f"{v} {_e(k)}" for k, v in counts.items())
            + ". Units: lengths nm, stresses and moduli GPa, density g/cm<sup>3</sup>, fracture energies J/m<sup>2</sup>, "
            "work MJ/m<sup>3</sup>.</p>",
            "<h2>Table</h2>", _table(shown, rows, first_is_name=False),
            *(["<h2>Failed points</h2>", _table(["point", "error"], failed[["point_id", "error"]].values.tolist())]
              if len(failed) else []),
            "<h2>Figures</h2>", *images]
    path = results.directory / "report.html"
    write_text_atomic(path, _page(f"Study {results.directory.name}", "".join(body)))
    return path
