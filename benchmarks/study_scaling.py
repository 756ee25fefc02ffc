"""Benchmark: a study of 16 small 2D cases on 2 ranks (two groups of one rank) against a serial loop.

Two studies of ``cases/nacre_2d.toml`` (P2, plane strain), 16 points each:
* ``geometry``: overlap ratio (4) x interlayer thickness (4): every point meshes anew;
* ``orientation``: the tablets' c axis tilted by 16 angles (``materials.tablet.euler_deg``): one
  mesh, so every point after a group's first reuses its body (and the compiled forms).

Each runs serially (one process, ``Study.run(MPI.COMM_SELF)``) and under ``mpirun -n 2`` with
``ranks_per_case = 1``, from empty folders. Recorded per run: wall time, the speed-up of 2 ranks
over the serial loop, the mean time per point, and the warm time per point (the median over the
points after each group's first). Appends to ``benchmarks/results/study_scaling.json`` (atomically).

Usage: ``.venv/bin/python benchmarks/study_scaling.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "results" / "study_scaling.json"
BIN = Path(sys.executable).parent

WORKER = """
import sys
from mpi4py import MPI
from solvers.studies import Study, grid
kind, folder = sys.argv[1], sys.argv[2]
if kind == "geometry":
    design = grid({"geometry.overlap_ratio": [0.2, 0.3, 0.4, 0.5],
                   "geometry.interlayer_thickness": [30.0, 40.0, 50.0, 60.0]})  # >= 3 x the 10 nm interlayer elements
else:
    design = grid({"materials.tablet.euler_deg": [[0.0, 90.0 - 6.0 * k, 0.0] for k in range(16)]})
study = Study(base="cases/nacre_2d.toml", design=design, name=kind, directory=folder)
comm = MPI.COMM_WORLD if len(sys.argv) > 3 else MPI.COMM_SELF
table = study.run(comm, ranks_per_case=1)
if MPI.COMM_WORLD.rank == 0:
    table.to_json(folder + "/table.json")
"""


def _run(kind: str, ranks: int, folder: Path) -> dict:
    script = folder.parent / "worker.py"
    script.write_text(WORKER)
    command = [str(BIN / "python"), str(script), kind, str(folder)]
    if ranks > 1:
        command = [str(BIN / "mpirun"), "-n", str(ranks)] + command + ["world"]
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    table = json.loads((folder / "table.json").read_text())
    status = list(table["status"].values())
    if status.count("ok") != len(status):
        errors = sorted({e for e in table["error"].values() if e})
        raise SystemExit(f"{kind} on {ranks} rank(s): {len(status) - status.count('ok')} points failed: {errors}")
    seconds = [float(v) for v in table["wall_seconds"].values()]
    groups = [int(v) for v in table["group"].values()]
    warm = sorted(s for k, s in enumerate(seconds) if groups[k] in groups[:k])
    return {"ranks": ranks, "wall_seconds": wall, "points": len(status), "ok": status.count("ok"),
            "mean_seconds_per_point": sum(seconds) / len(seconds),
            "warm_seconds_per_point": warm[len(warm) // 2] if warm else None,
            "points_per_group": {str(g): groups.count(g) for g in sorted(set(groups))}}


def main() -> int:
    from solvers.app.provenance import code_version
    from solvers.micromechanics.atomic_files import write_json_atomic

    records = json.loads(OUT.read_text()) if OUT.exists() else []
    record = {"code": code_version(), "date": time.strftime("%Y-%m-%d %H:%M"), "studies": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("geometry", "orientation"):
            serial = _run(kind, 1, Path(tmp) / f"{kind}_serial")
            parallel = _run(kind, 2, Path(tmp) / f"{kind}_two")
            record["studies"][kind] = {"serial": serial, "two_ranks": parallel,
                                       "speedup": serial["wall_seconds"] / parallel["wall_seconds"]}
            print(f"{kind}: serial {serial['wall_seconds']:.1f} s, 2 ranks {parallel['wall_seconds']:.1f} s "
                  f"(x{record['studies'][kind]['speedup']:.2f}); warm point {serial['warm_seconds_per_point']:.2f} s "
                  f"serial, {parallel['warm_seconds_per_point']:.2f} s on 2 groups; {parallel['points_per_group']}")
    records.append(record)
    write_json_atomic(OUT, records)  # a list of records, one per benchmark run
    return 0


if __name__ == "__main__":
    sys.exit(main())
