"""Benchmark: strength of a 3D RVE with a plastic matrix, 50 load steps, on 2 ranks.

The RVE is a unit cube (1 nm; only ratios matter) of a Zr-based metallic glass (Drucker-Prager,
non-associated, from the material library) with 8 elastic copper particles (20 vol%, seed 1),
in uniaxial tension along x1 to 4 % strain (the other five macroscopic stresses held at 0) in
50 nominal steps. Each configuration runs in a fresh ``mpirun -n R`` worker that reports the
dofs, wall time (s) split into constitutive update, assembly and linear solve, Newton and
Krylov iterations per step, and the yield and peak strength (GPa). Meshing (gmsh on rank 0) is
timed apart. The target of the strength issue: about 2e5 dofs, under 300 s, <= 6 Newton
iterations per step on average.

Usage::

    .venv/bin/python benchmarks/strength.py                       # the 2e5-dof configurations
    .venv/bin/python benchmarks/strength.py --quick               # one small configuration
    .venv/bin/python benchmarks/strength.py --configs 1:0.024 2:0.04 --ranks 2

Results go to ``benchmarks/results/strength.json`` (atomic writes). A configuration already in
that file is skipped, so a killed run resumes where it stopped; ``--fresh`` starts over.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: (degree, element size in the unit cube): about 2e5 dofs (P2 at h = 0.04 is similar: --configs 2:0.04).
FULL = [(1, 0.024)]
QUICK = [(1, 0.06)]


def worker(degree: int, size: float, method: str, steps: int) -> None:
    """Run one configuration on MPI.COMM_WORLD; rank 0 prints one JSON line."""
    import resource

    import numpy as np
    from mpi4py import MPI

    from meshing import MeshSettings, particles_geometry
    from meshing.rve import build_rve
    from solvers.analyses.strength import StrengthSettings, strength
    from solvers.fe.linear_solver import SolverOptions
    from solvers.micromechanics.material_library import library_material

    comm = MPI.COMM_WORLD
    start = time.perf_counter()
    rve = build_rve(particles_geometry(8, 0.2, (1.0, 1.0, 1.0), seed=1), MeshSettings(size=size), comm)
    mesh_seconds = time.perf_counter() - start
    materials = {"matrix": library_material("Zr_metallic_glass"), "particle": library_material("copper")}
    comm.barrier()
    result = strength(rve, materials, StrengthSettings(strain=(0.0, 0.04), steps=steps, fields_every=0), degree=degree,
                      solver=SolverOptions(method=method, rtol=1e-10))
    peak = comm.allgather(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if comm.rank == 0:
        newton = result.curve["newton"][1:]
        krylov = result.curve["krylov"][1:]
        print(json.dumps({
            "degree": degree,
            "size": size,
            "ranks": comm.size,
            "solver": method,
            "dofs": result.dofs,
            "cells": rve.mesh.topology.index_map(3).size_global,
            "steps": len(newton),
            "seconds": {"mesh": mesh_seconds, **result.timings},
            "newton_per_step": newton,
            "krylov_per_step": krylov,
            "mean_newton_per_step": float(np.mean(newton)),
            "mean_krylov_per_newton": float(np.sum(krylov) / max(np.sum(newton), 1)),
            "yield_strength_GPa": result.metrics.yield_strength,
            "peak_strength_GPa": result.metrics.peak_strength,
            "energy_balance": result.energy_balance,
            "peak_memory_MB": {"per_rank": peak, "total": sum(peak)},
            "meshed_volume_fraction": rve.volume_fractions["particle"],
        }), flush=True)


def _key(record: dict) -> tuple:
    return (record["degree"], record["size"], record["ranks"], record["solver"], record["steps_requested"])


def _write(path: Path, records: list[dict]) -> None:
    from solvers.micromechanics.atomic_files import write_text_atomic

    write_text_atomic(path, json.dumps({
        "units": {"time": "s", "memory": "MB", "stress": "GPa", "length": "nm (unit cube)"},
        "case": "8 copper particles (20 vol%) in Zr-based metallic glass, uniaxial tension to 4 %",
        "machine": {"cores": os.cpu_count()},
        "records": records,
    }, indent=1) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one small configuration only")
    parser.add_argument("--fresh", action="store_true", help="ignore results already in the output file")
    parser.add_argument("--ranks", type=int, nargs="+", default=[2])
    parser.add_argument("--configs", nargs="+", default=None, metavar="DEGREE:SIZE")
    parser.add_argument("--solver", default="cg-gamg", help="SolverOptions.method (cg-gamg or mumps)")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "strength.json")
    parser.add_argument("--worker", nargs=2, metavar=("DEGREE", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(int(args.worker[0]), float(args.worker[1]), args.solver, args.steps)
        return 0

    configs = ([(int(d), float(s)) for d, s in (c.split(":") for c in args.configs)] if args.configs
               else QUICK if args.quick else FULL)
    records = [] if args.fresh or not args.out.exists() else json.loads(args.out.read_text())["records"]
    done = {_key(r) for r in records}
    mpirun = Path(sys.executable).parent / "mpirun"
    for degree, size in configs:
        for ranks in args.ranks:
            if (degree, size, ranks, args.solver, args.steps) in done:
                print(f"P{degree} h={size} ranks={ranks} {args.solver}: already measured, skipped", flush=True)
                continue
            command = [str(mpirun), "-n", str(ranks), sys.executable, __file__, "--worker", str(degree), str(size),
                       "--solver", args.solver, "--steps", str(args.steps)]
            print(f"P{degree} h={size} ranks={ranks} {args.solver}: running", flush=True)
            run = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
            if run.returncode != 0:
                print(run.stderr, file=sys.stderr)
                return run.returncode
            record = {**json.loads(run.stdout.strip().splitlines()[-1]), "steps_requested": args.steps}
            records.append(record)
            _write(args.out, records)
            s = record["seconds"]
            print(f"    {record['dofs']:>8d} dofs  mesh {s['mesh']:6.1f} s  strength {s['total']:6.1f} s "
                  f"(constitutive {s['constitutive']:.1f}, assembly {s['assembly']:.1f}, solve {s['solve']:.1f})  "
                  f"{record['steps']} steps, Newton/step {record['mean_newton_per_step']:.2f}, "
                  f"Krylov/Newton {record['mean_krylov_per_newton']:.1f}  yield {record['yield_strength_GPa']:.4f} GPa",
                  flush=True)
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
