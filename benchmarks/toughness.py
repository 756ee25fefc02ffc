"""Benchmark: a 2D nacre notched specimen on 2 ranks, as shipped, to complete fracture (force below
``stop_at`` of its peak) or to the end of its opening path, whichever comes first
(``complete_fracture`` in the record says which).

``--case nacre_sent`` (default): single-edge-notched tension across 11 tablet rows
(``cases/nacre_sent.toml``, 126,888 displacement + 63,444 damage dofs), which breaks through.
``--case nacre_notched``: the three-point-bending beam (1.5e5 + 7.7e4 dofs), whose last rows stay
compressed under the loading pin (it ends as a hinge, not in complete fracture).

Runs ``mpirun -n 2 amorfem run cases/<case>.toml`` from scratch (extra ``--set`` overrides
are passed on, e.g. ``--set 'analysis.staggered={anderson = 0}'`` for plain alternate
minimisation) and appends to ``benchmarks/results/toughness.json`` (atomically) a record of:
load steps; alternate-minimisation passes per step (mean, max); Newton and Krylov iterations of
the displacement solves; damage (SNES VI) iterations; the time split between meshing, the
displacement solves and the damage solves (s); the wall time; and the headline results (peak
force GPa nm, J_IC J/m^2, crack extension nm, the R-curve).
Usage: ``.venv/bin/python benchmarks/toughness.py [--case NAME] [--set KEY=VALUE ...] [--label TEXT]``, or
``--from DIR`` to record a finished run of the case (e.g. ``--case nacre_notched --from
results/nacre_toughness/nacre``, the beam of ``cases/toughness_comparison.py nacre``) without running it again (its wall time is then the
run's own total, from its summary).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASES = ("nacre_sent", "nacre_notched")
OUT = ROOT / "benchmarks" / "results" / "toughness.json"


def record_of(summary: dict, wall: float, label: str, overrides: list[str]) -> dict:
    """The benchmark record of one run's ``summary.json``."""
    curve, toughness, seconds = summary["curve"], summary["toughness"], summary["timings"]
    passes = curve["passes"][1:]
    newton = sum(curve["newton"][1:])
    krylov = sum(curve["krylov"][1:]) if "krylov" in curve else None   # runs before 2026-12-02 did not record it
    return {
        "case": Path(summary["case"]["name"]).stem, "label": label, "overrides": overrides, "code": summary["code"],
        "dofs": summary["dofs"], "damage_dofs": summary["mesh"]["vertices"],   # P1 damage: one per vertex
        "cells": summary["mesh"]["cells"], "ranks": summary["ranks"],
        "steps": toughness["steps"], "passes_per_step": sum(passes) / len(passes), "max_passes": max(passes),
        "passes": sum(passes), "newton": newton, "krylov": krylov,
        "krylov_per_newton": krylov / newton if newton and krylov is not None else None,
        "bounded_steps": int(sum(curve.get("bounded", [0]))), "opening_nm": curve.get("opening", [None])[-1],
        "displacement_factorisations": toughness.get("displacement_factorisations"),
        "prescribed": toughness.get("prescribed", "displacement"),
        "complete_fracture": bool(curve["force"][-1] < 0.02 * max(curve["force"])),
        "force_at_end_GPa_nm": curve["force"][-1],
        "damage_iterations": sum(curve["damage_iterations"][1:]),
        "seconds": {k: seconds[k] for k in ("mesh", "displacement", "damage", "total") if k in seconds},
        "wall_seconds": wall, "peak_force_GPa_nm": toughness["peak_force"], "J_IC_J_m2": toughness["J_IC_J_m2"],
        "crack_extension_nm": toughness["crack_extension_nm"], "R_curve": toughness.get("R_curve"),
        "resumed_from_step": toughness.get("resumed_from_step"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", choices=CASES, default=CASES[0])
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--label", default="as shipped")
    parser.add_argument("--from", dest="source", type=Path, default=None, help="a finished run's folder")
    args = parser.parse_args()
    if args.source is not None:
        summary = json.loads((args.source / "summary.json").read_text())
        if Path(summary["case"]["name"]).stem != args.case:
            raise SystemExit(f"{args.source} holds case '{summary['case']['name']}', not {args.case} (see --case)")
        return _write(record_of(summary, summary["timings"]["total"], args.label, args.overrides))
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as scratch:
        command = [str(bin_dir / "mpirun"), "-n", "2", str(bin_dir / "amorfem"), "run",
                   str(ROOT / "cases" / f"{args.case}.toml"), "--out", f"{scratch}/{args.case}", "--no-picture"]
        for override in args.overrides:
            command += ["--set", override]
        start = time.perf_counter()
        run = subprocess.run(command, text=True)
        wall = time.perf_counter() - start
        if run.returncode:
            return run.returncode
        summary = json.loads((Path(scratch) / args.case / "summary.json").read_text())
    return _write(record_of(summary, wall, args.label, args.overrides))


def _write(record: dict) -> int:
    from solvers.app.output import write_json_atomic

    wall = record["wall_seconds"]
    records = json.loads(OUT.read_text())["records"] if OUT.exists() else []
    write_json_atomic(OUT, {"units": {"time": "s", "force": "GPa nm (N/m)", "J": "J/m^2", "length": "nm"},
                            "records": records + [record]})
    s = record["seconds"]
    print(f"{record['case']}: {record['dofs']} + {record['damage_dofs']} dofs, {record['steps']} steps, passes/step {record['passes_per_step']:.1f} "
          f"(max {record['max_passes']}), Krylov/Newton {record['krylov_per_newton']}; wall {wall:.0f} s "
          f"(mesh {s.get('mesh', 0):.0f}, displacement {s['displacement']:.0f}, damage {s['damage']:.0f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
