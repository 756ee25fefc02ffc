"""The comparison of ``fedoo_sphere.py``'s records: agreement of C on one mesh, the converged C44,
and the cost of each code at equal accuracy of C44, with a markdown summary.

Pure functions of the records (dicts with ``code``, ``degree``, ``solver``, ``size`` in nm,
``dofs``, ``C`` and ``C44`` in GPa, ``seconds`` in s, ``mesh_sha256``); see ``fedoo_sphere.py``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TARGETS", "AGREEMENT_TOLERANCE", "agreements", "reference", "equal_accuracy", "markdown"]

#: Relative C44 errors (against the reference) at which the codes' costs are compared.
TARGETS = (0.01, 0.003)

#: Largest max |C_amorfem - C_fedoo| / max |C_amorfem| accepted on one mesh with direct solvers.
AGREEMENT_TOLERANCE = 1e-8


def agreements(records: list[dict]) -> list[dict]:
    """For every fedoo record, its stiffness against amorfem's MUMPS one on the same mesh and degree.

    Returns
    -------
    list of dict
        ``size`` (nm), ``degree``, ``fedoo_solver``, ``relative_difference`` (max-entry norm) and
        ``ok`` (within :data:`AGREEMENT_TOLERANCE`).
    """
    direct = {(r["mesh_sha256"], r["degree"]): r for r in records if r["code"] == "amorfem" and r["solver"] == "mumps"}
    out = []
    for r in records:
        twin = direct.get((r["mesh_sha256"], r["degree"])) if r["code"] == "fedoo" else None
        if twin is not None:
            C, C_peer = np.array(twin["C"]), np.array(r["C"])
            difference = float(np.abs(C - C_peer).max() / np.abs(C).max())
            out.append({"size": r["size"], "degree": r["degree"], "fedoo_solver": r["solver"],
                        "relative_difference": difference, "ok": difference <= AGREEMENT_TOLERANCE})
    return sorted(out, key=lambda a: (-a["size"], a["degree"], a["fedoo_solver"]))


def reference(records: list[dict]) -> dict | None:
    """The converged C44 (GPa): amorfem P2 on the finest P2 mesh, with a Richardson estimate.

    The Richardson value extrapolates the two finest P2 meshes at order 2 in the mean node
    spacing ``dofs^(-1/3)`` (the order of the curved-interface geometry error, which dominates).
    """
    finest: dict[float, dict] = {}
    for r in records:
        if r["code"] == "amorfem" and r["degree"] == 2 and (r["size"] not in finest or r["solver"] == "mumps"):
            finest[r["size"]] = r
    if not finest:
        return None
    sizes = sorted(finest)
    best = finest[sizes[0]]
    out = {"C44": best["C44"], "source": f"amorfem P2 {best['solver']}, h = {sizes[0]} nm, {best['dofs']} dofs",
           "size": sizes[0], "degree": 2, "richardson_C44": None, "richardson_relative_difference": None}
    if len(sizes) > 1:
        coarse = finest[sizes[1]]
        ratio = (coarse["dofs"] / best["dofs"]) ** (-2 / 3)
        extrapolated = best["C44"] + (best["C44"] - coarse["C44"]) / (ratio - 1)
        out["richardson_C44"] = extrapolated
        out["richardson_relative_difference"] = abs(extrapolated - best["C44"]) / best["C44"]
    return out


def _summary(record: dict, ref: dict) -> dict:
    """What the equal-accuracy table shows of a run: configuration, dofs, C44 error, seconds."""
    return {"degree": record["degree"], "size": record["size"], "solver": record["solver"], "dofs": record["dofs"],
            "C44_error": abs(record["C44"] - ref["C44"]) / ref["C44"],
            "seconds": record["seconds"]["homogenization"],
            "seconds_with_meshing": record["seconds"]["homogenization"] + record["seconds"]["mesh"]}


def equal_accuracy(records: list[dict], ref: dict) -> list[dict]:
    """Per target, the cheapest run (homogenization wall time) whose C44 is within it, per code and degree.

    The reference run itself (and its twin with the other solver) is left out: its error is zero
    by definition. ``best`` holds each code's cheapest run over both degrees, ``ratio`` fedoo's
    time over amorfem's (None where a code has no run within the target).
    """
    out = []
    for target in TARGETS:
        within = [r for r in records if abs(r["C44"] - ref["C44"]) / ref["C44"] <= target
                  and not (r["code"] == "amorfem" and r["degree"] == ref["degree"] and r["size"] == ref["size"])]

        def cheapest(code: str, degrees: tuple[int, ...] = (1, 2)) -> dict | None:
            runs = [r for r in within if r["code"] == code and r["degree"] in degrees]
            best = min(runs, key=lambda r: r["seconds"]["homogenization"], default=None)
            return None if best is None else _summary(best, ref)

        best = {code: cheapest(code) for code in ("amorfem", "fedoo")}
        both = best["amorfem"] is not None and best["fedoo"] is not None
        out.append({
            "target": target, "best": best,
            "by_degree": {f"{code} P{p}": cheapest(code, (p,)) for code in ("amorfem", "fedoo") for p in (1, 2)},
            "ratio": best["fedoo"]["seconds"] / best["amorfem"]["seconds"] if both else None,
            "ratio_with_meshing": (best["fedoo"]["seconds_with_meshing"] / best["amorfem"]["seconds_with_meshing"]
                                   if both else None),
        })
    return out


def markdown(records: list[dict], agreement: list[dict], ref: dict | None, comparison: list[dict]) -> str:
    """The runs, the agreements and the equal-accuracy comparison as markdown tables."""
    lines = ["| code | P | solver | h (nm) | vertices | dofs | homogenization (s) | peak (MB) | load | C44 (GPa) "
             "| C44 error |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in sorted(records, key=lambda r: (r["code"], r["degree"], r["solver"], -r["size"])):
        error = f"{abs(r['C44'] - ref['C44']) / ref['C44']:.2%}" if ref else "-"
        lines.append(f"| {r['code']} | {r['degree']} | {r['solver']} | {r['size']} | {r['vertices']} | {r['dofs']} | "
                     f"{r['seconds']['homogenization']:.2f} | {r['peak_memory_MB']:.0f} | {r['load_average']:.1f} | "
                     f"{r['C44']:.6f} | {error} |")
    lines += ["", "| h (nm) | P | fedoo solver | max abs(C_amorfem - C_fedoo) / max abs(C_amorfem) | ok |",
              "|---|---|---|---|---|"]
    lines += [f"| {a['size']} | {a['degree']} | {a['fedoo_solver']} | {a['relative_difference']:.1e} | "
              f"{'yes' if a['ok'] else 'NO'} |" for a in agreement]
    if ref is None:
        return "\n".join(lines)
    richardson = ("" if ref["richardson_C44"] is None else
                  f"; Richardson {ref['richardson_C44']:.6f} GPa ({ref['richardson_relative_difference']:.2%} away)")
    columns = list(comparison[0]["by_degree"]) if comparison else []
    lines += ["", f"Reference C44 = {ref['C44']:.6f} GPa ({ref['source']}){richardson}. Cheapest run within each "
              "target: homogenization s (h nm, solver, C44 error).", "",
              f"| target | {' | '.join(columns)} | fedoo / amorfem | with meshing |",
              "|---|" + "---|" * (len(columns) + 2)]
    for row in comparison:
        cells = ["-" if r is None else f"{r['seconds']:.2f} (h={r['size']}, {r['solver']}, {r['C44_error']:.2%})"
                 for r in row["by_degree"].values()]
        ratios = ["-" if row[k] is None else f"{row[k]:.2f}" for k in ("ratio", "ratio_with_meshing")]
        lines.append(f"| {row['target']:.1%} | {' | '.join(cells)} | {' | '.join(ratios)} |")
    return "\n".join(lines)
