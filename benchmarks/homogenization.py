"""Benchmark: periodic homogenization of the spherical-inclusion RVE, 1e4 to 1e6 dofs.

The RVE is a unit cube (1 nm; only ratios matter) with one stiff sphere (E=70 GPa, nu=0.2,
20 vol%) in a soft matrix (E=3 GPa, nu=0.35), the materials of REFERENCES.md. Each
configuration (degree, element size, ranks) runs in a fresh ``mpirun -n R`` worker that
reports wall time per phase (s), Krylov iterations per load case, dofs and peak resident
memory (MB, per rank and summed). "homogenization" is assemble + constraint + setup +
solve + moduli: everything after the mesh exists. Meshing (gmsh on rank 0) is timed apart.

Usage::

    .venv/bin/python benchmarks/homogenization.py                # full table
    .venv/bin/python benchmarks/homogenization.py --quick        # two small configurations
    .venv/bin/python benchmarks/homogenization.py --solver-options pc_gamg_threshold=0.02

Results go to ``benchmarks/results/homogenization.json`` (atomic writes). A configuration
already in that file is skipped, so a killed run resumes where it stopped; ``--fresh``
starts over.
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

#: (degree, element size in the unit cube): about 2e4, 1e5, 3e5 and 1e6 dofs for P1 and P2.
FULL = [(1, 0.05), (1, 0.03), (1, 0.02), (1, 0.0126), (2, 0.09), (2, 0.05), (2, 0.035), (2, 0.026)]
QUICK = [(1, 0.06), (2, 0.1)]


def worker(degree: int, size: float, algorithm: str, solver_options: dict[str, str], refinements: int = 0,
           threads: int = 1) -> None:
    """Run one configuration on MPI.COMM_WORLD; rank 0 prints one JSON line."""

    import numpy as np
    from mpi4py import MPI

    from meshing import MeshSettings, inclusions
    from solvers.analyses.stiffness import effective_stiffness
    from solvers.fe.stages import process_peak_mb
    from solvers.fe.linear_solver import SolverOptions
    from solvers.micromechanics.materials import isotropic

    comm = MPI.COMM_WORLD
    options = dict(solver_options)
    rtol = float(options.pop("rtol", SolverOptions().rtol))
    method = options.pop("method", "cg-gamg")
    start = time.perf_counter()
    rve = inclusions(0.2, (1.0, 1.0, 1.0), MeshSettings(size=size, algorithm_3d=algorithm, uniform_refinements=refinements,
                                                          threads=threads),
                     comm=comm)
    mesh_seconds = time.perf_counter() - start
    materials = {"matrix": isotropic(3.0, 0.35, 1.2), "inclusion": isotropic(70.0, 0.2, 2.5)}
    comm.barrier()
    start = time.perf_counter()
    result = effective_stiffness(rve, materials, degree=degree, solver=SolverOptions(method=method, rtol=rtol, petsc_options=options))
    seconds = comm.allreduce(time.perf_counter() - start, op=MPI.MAX)
    # Not getrusage's ru_maxrss: the analysis's per-stage peak resets lower it.
    peak = comm.allgather(process_peak_mb())
    if comm.rank == 0:
        C = result.C
        print(json.dumps({
            "degree": degree,
            "size": size,
            "ranks": comm.size,
            "dofs": result.dofs,
            "cells": rve.mesh.topology.index_map(3).size_global,
            "mesh_algorithm": algorithm,
            "uniform_refinements": refinements,
            "mesh_threads": threads,
            "solver": {"method": method, "rtol": rtol, **options},
            "coarse_level": _coarse_level(degree, refinements, method),
            "seconds": {"mesh": mesh_seconds, "homogenization": seconds, **result.timings},
            "iterations": list(result.iterations),
            "peak_memory_MB": {"per_rank": peak, "total": sum(peak)},
            "C11": float(np.diag(C)[:3].mean()),
            "C12": float(np.mean([C[0, 1], C[0, 2], C[1, 2]])),
            "C44": float(np.diag(C)[3:].mean()),
            "meshed_volume_fraction": rve.volume_fractions["inclusion"],
        }), flush=True)


def _coarse_level(degree: int, refinements: int, method: str) -> str | None:
    """The geometric coarse level the stiffness solve takes for this configuration (the sphere RVE
    is not layered)."""
    from solvers.analyses.stiffness import coarse_level_kind
    from solvers.fe.linear_solver import SolverOptions

    return coarse_level_kind(degree, SolverOptions(method=method), layered=False, refined=bool(refinements))


def _key(record: dict) -> tuple:
    return (record["degree"], record["size"], record.get("uniform_refinements", 0), record.get("mesh_threads", 1),
            record["ranks"], json.dumps(record["solver"], sort_keys=True), record.get("coarse_level"))


def _write(path: Path, records: list[dict]) -> None:
    from solvers.app.output import write_json_atomic

    write_json_atomic(path, {
        "units": {"time": "s", "memory": "MB", "moduli": "GPa", "length": "nm (unit cube)"},
        "machine": {"cores": os.cpu_count()},
        "records": records,
    })


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="two small configurations only")
    parser.add_argument("--fresh", action="store_true", help="ignore results already in the output file")
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--degrees", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--max-size-index", type=int, default=None, help="only the first N sizes per degree")
    parser.add_argument("--algorithm", default="hxt", choices=["hxt", "delaunay"], help="gmsh 3D algorithm")
    parser.add_argument("--solver-options", nargs="*", default=[], metavar="KEY=VALUE")
    parser.add_argument("--refinements", type=int, default=0,
                        help="mesh at the size given and split every element this many times (gmsh)")
    parser.add_argument("--threads", type=int, default=1, help="gmsh threads on rank 0 (the other ranks sleep)")
    parser.add_argument("--sizes", type=float, nargs="+", default=None, help="element sizes instead of the table's")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "homogenization.json")
    parser.add_argument("--worker", nargs=2, metavar=("DEGREE", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    solver_options = dict(item.split("=", 1) for item in args.solver_options)
    if args.worker:
        worker(int(args.worker[0]), float(args.worker[1]), args.algorithm, solver_options, args.refinements, args.threads)
        return 0

    records = [] if args.fresh or not args.out.exists() else json.loads(args.out.read_text())["records"]
    done = {_key(r) for r in records}
    configs = [c for c in (QUICK if args.quick else FULL) if c[0] in args.degrees]
    if args.max_size_index is not None:
        configs = [c for d in args.degrees for c in [x for x in configs if x[0] == d][: args.max_size_index]]
    if args.sizes:
        configs = [(d, size) for d in args.degrees for size in args.sizes]
    mpirun = Path(sys.executable).parent / "mpirun"
    for degree, size in configs:
        for ranks in args.ranks:
            probe = {"degree": degree, "size": size, "ranks": ranks, "uniform_refinements": args.refinements,
                     "coarse_level": _coarse_level(degree, args.refinements, solver_options.get("method", "cg-gamg")),
                     "mesh_threads": args.threads, "solver": {"method": solver_options.get("method", "cg-gamg"),
                                "rtol": float(solver_options.get("rtol", _default_rtol())),
                                **{k: v for k, v in solver_options.items() if k not in ("method", "rtol")}}}
            if _key(probe) in done:
                print(f"P{degree} h={size} ranks={ranks}: already measured, skipped", flush=True)
                continue
            command = [str(mpirun), "-n", str(ranks), sys.executable, __file__, "--worker", str(degree), str(size),
                       "--algorithm", args.algorithm, "--refinements", str(args.refinements),
                       "--threads", str(args.threads), "--solver-options", *args.solver_options]
            print(f"P{degree} h={size} ranks={ranks}: running", flush=True)
            run = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
            if run.returncode != 0:
                print(run.stderr, file=sys.stderr)
                return run.returncode
            record = json.loads(run.stdout.strip().splitlines()[-1])
            records.append(record)
            _write(args.out, records)
            s = record["seconds"]
            print(f"    {record['dofs']:>9d} dofs  mesh {s['mesh']:6.1f} s  homogenization {s['homogenization']:6.1f} s "
                  f"(assemble {s['assemble']:.1f}, constraint {s['constraint']:.1f}, setup {s['setup']:.1f}, "
                  f"solve {s['solve']:.1f})  iterations {record['iterations']}  peak {record['peak_memory_MB']['total']:.0f} MB",
                  flush=True)
    print(f"results: {args.out}")
    return 0


def _default_rtol() -> float:
    from solvers.fe.linear_solver import SolverOptions

    return SolverOptions().rtol


if __name__ == "__main__":
    sys.exit(main())
