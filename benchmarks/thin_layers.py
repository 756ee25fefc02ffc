"""Benchmark: thin layers at realistic thickness ratios, as shipped in cases/.

* nacre 2D and 3D (``nacre_3d_resolved``, gmsh): 30 nm protein interlayers between 450 nm aragonite
  tablets (1/15);
* nacre 3D at real proportions (``nacre_3d``, tensor grid): 25 nm interlayers between 5 um x 0.5 um
  tablets (1/20);
* enamel: 2 nm amorphous ZrO2 coating on 40 nm hydroxyapatite wires (1/20);
* GO/alumina film: 0.7 nm GO sheets with 1.5 nm alumina coatings and 1 nm interlayers;
* the three-level enamel (``enamel_hierarchical/bulk``: coated wires, rods, decussating bands).

These are also the ready cases too long for the test suite (``tests/cases/test_cases.py``: LONG).

Each case runs under ``mpirun -n 2 amorfem run`` from scratch; the script collects dofs, cells,
wall time per phase (s) and CG iterations from its summary into
``benchmarks/results/thin_layers.json`` (rewritten after each case, so a killed run keeps what
it measured). Usage: ``.venv/bin/python benchmarks/thin_layers.py [--cases nacre_3d ...]``
(named cases replace their records; the others are kept).
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

CASES = ("nacre_2d", "nacre_3d", "nacre_3d_resolved", "enamel", "go_alumina", "enamel_hierarchical/bulk")


def main() -> int:
    from solvers.app.output import write_json_atomic

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    args = parser.parse_args()
    out_file = ROOT / "benchmarks" / "results" / "thin_layers.json"
    mpirun, amorfem = Path(sys.executable).parent / "mpirun", Path(sys.executable).parent / "amorfem"
    kept = json.loads(out_file.read_text())["records"] if out_file.exists() else []
    records = [r for r in kept if r["case"] not in args.cases]
    with tempfile.TemporaryDirectory() as scratch:
        for name in args.cases:
            start = time.perf_counter()
            run = subprocess.run([str(mpirun), "-n", "2", str(amorfem), "run", str(ROOT / "cases" / f"{name}.toml"),
                                  "--out", f"{scratch}/{name}", "--quiet", "--no-picture"], capture_output=True, text=True)
            if run.returncode:
                print(run.stderr, file=sys.stderr)
                return run.returncode
            summary = json.loads((Path(scratch) / name / "summary.json").read_text())
            records.append({"case": name, "title": summary["case"]["title"], "dofs": summary["dofs"],
                            "cells": summary["mesh"]["cells"], "ranks": summary["ranks"],
                            "solver": summary["case"]["inputs"].get("solver", {}).get("method", "cg-gamg"),
                            "iterations": summary["iterations"], "seconds": summary["timings"],
                            "engineering_GPa": summary.get("engineering"),
                            "wall_seconds": time.perf_counter() - start})
            write_json_atomic(out_file, {"units": {"time": "s"}, "records": records})
            r = records[-1]
            print(f"{name:12s} {r['dofs']:>8d} dofs {r['cells']:>8d} cells  wall {r['wall_seconds']:6.1f} s "
                  f"(mesh {r['seconds']['mesh']:.1f}, setup {r['seconds']['setup']:.1f}, solve {r['seconds']['solve']:.1f})",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
