"""Convergence of the periodic stiffness of the simple-cubic sphere array (REFERENCES.md materials).

Element sizes h (unit cube, 20 vol% sphere) x Lagrange degrees 1-3. On one mesh the spaces
P1 < P2 < P3 are nested, so the energy (every eigenvalue of C) decreases monotonically; across
meshes the faceted sphere also converges to the true one (meshed fraction -> 0.2).

Usage: ``.venv/bin/mpirun -n 2 .venv/bin/python benchmarks/convergence.py``. Results go to
``benchmarks/results/convergence.json`` after every configuration; configurations already
there are skipped (a killed run resumes). Units: GPa, s.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from mpi4py import MPI  # noqa: E402

from meshing import MeshSettings, inclusions  # noqa: E402
from solvers.analyses.stiffness import effective_stiffness  # noqa: E402
from solvers.fe.linear_solver import SolverOptions  # noqa: E402
from solvers.micromechanics.materials import isotropic  # noqa: E402
from solvers.app.output import write_json_atomic  # noqa: E402

SIZES = (0.15, 0.1, 0.07, 0.05)
DEGREES = (1, 2, 3)
OUT = ROOT / "benchmarks" / "results" / "convergence.json"


def main() -> None:
    comm = MPI.COMM_WORLD
    records = json.loads(OUT.read_text())["records"] if OUT.exists() else []
    done = {(r["size"], r["degree"]) for r in records}
    materials = {"matrix": isotropic(3.0, 0.35, 1.2), "inclusion": isotropic(70.0, 0.2, 2.5)}
    for size in SIZES:
        if all((size, p) in done for p in DEGREES):
            continue
        rve = inclusions(0.2, (1.0, 1.0, 1.0), MeshSettings(size=size), comm=comm)
        for degree in DEGREES:
            if (size, degree) in done:
                continue
            start = time.perf_counter()
            result = effective_stiffness(rve, materials, degree=degree, solver=SolverOptions(rtol=1e-8))
            C = result.C
            record = {
                "size": size,
                "degree": degree,
                "dofs": result.dofs,
                "meshed_volume_fraction": rve.volume_fractions["inclusion"],
                "C11": float(np.diag(C)[:3].mean()),
                "C12": float(np.mean([C[0, 1], C[0, 2], C[1, 2]])),
                "C44": float(np.diag(C)[3:].mean()),
                "eigenvalues": np.linalg.eigvalsh(C).tolist(),
                "C": C.tolist(),
                "iterations": list(result.iterations),
                "seconds": comm.allreduce(time.perf_counter() - start, op=MPI.MAX),
                "ranks": comm.size,
            }
            records.append(record)
            if comm.rank == 0:
                write_json_atomic(OUT, {"units": {"moduli": "GPa", "time": "s"}, "records": records})
                print(f"h={size:<5} P{degree} {record['dofs']:>8d} dofs  f={record['meshed_volume_fraction']:.4f}  "
                      f"C11={record['C11']:.4f} C12={record['C12']:.4f} C44={record['C44']:.4f}  "
                      f"{record['seconds']:.1f} s  its {record['iterations']}", flush=True)


if __name__ == "__main__":
    main()
