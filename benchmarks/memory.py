"""Benchmark: where the memory of a periodic homogenization goes, per rank, on 1 and 2 ranks.

The sphere RVE of ``benchmarks/homogenization.py`` (20 vol%, unit cube, P1, CG + GAMG) at about
1e6 dofs. Each rank count runs in a fresh ``mpirun -n R`` worker that records, per rank, the
resident memory after the imports, the peak while meshing and distributing (gmsh on rank 0),
the resident memory once the mesh is distributed, and the peak of each stage of the stiffness
analysis (:class:`solvers.fe.stages.Stages`: the peak is reset at each stage's start).

Usage::

    .venv/bin/python benchmarks/memory.py                  # h = 0.0126 (about 1e6 dofs)
    .venv/bin/python benchmarks/memory.py --size 0.0252 --refinements 1   # about as many dofs, refined in parallel
    .venv/bin/python benchmarks/memory.py --size 0.03      # a quick check

Results go to ``benchmarks/results/memory.json`` (atomic write; a configuration already there,
the same size, refinements, ranks, GAMG aggregation (``gamg``: smoothed or plain, from the
default solver) and ``preconditioner`` (GAMG, or h-multigrid on refined meshes), is skipped,
so a killed run resumes). Units: MB (2^20 bytes), s.
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


def worker(size: float, refinements: int = 0, coarse_level: bool = True) -> None:
    """One configuration on MPI.COMM_WORLD; rank 0 prints one JSON line."""
    from mpi4py import MPI

    from solvers.fe.stages import peak_mb, reset_peak, resident_mb

    comm = MPI.COMM_WORLD
    imports = resident_mb()
    from meshing import MeshSettings, inclusions
    from solvers.analyses.stiffness import effective_stiffness
    from solvers.fe.linear_solver import SolverOptions
    from solvers.micromechanics.materials import isotropic

    imports = max(imports, resident_mb())
    reset_peak()
    start = time.perf_counter()
    rve = inclusions(0.2, (1.0, 1.0, 1.0), MeshSettings(size=size, uniform_refinements=refinements), comm=comm)
    mesh_seconds = comm.allreduce(time.perf_counter() - start, op=MPI.MAX)
    meshing_peak, meshed = peak_mb(), resident_mb()
    materials = {"matrix": isotropic(3.0, 0.35, 1.2), "inclusion": isotropic(70.0, 0.2, 2.5)}
    result = effective_stiffness(rve, materials, degree=1, solver=SolverOptions(p_multigrid=coarse_level))
    per_rank = {"imports": comm.gather(imports), "meshing_peak": comm.gather(meshing_peak),
                "after_meshing": comm.gather(meshed)}
    if comm.rank == 0:
        print(json.dumps({
            "size": size, "uniform_refinements": refinements, "ranks": comm.size, "dofs": result.dofs,
            "cells": rve.mesh.topology.index_map(3).size_global,
            "seconds": {"mesh": mesh_seconds, **result.timings},
            "memory_MB_per_rank": {**per_rank, **{f"{stage}_peak": peaks for stage, peaks in result.memory.items()}},
            "C11": float(result.C[0, 0]), "C44": float(result.C[3, 3]),
            "gamg": _gamg(_preconditioner(refinements, coarse_level)),
            "preconditioner": _preconditioner(refinements, coarse_level),
            "date": time.strftime("%Y-%m-%d"),
        }), flush=True)


def _preconditioner(refinements: int, coarse_level: bool) -> str:
    """"h-multigrid" (the parent mesh as coarse level, solvers.fe.h_multigrid) where the P1 stiffness
    solve takes it, else "gamg"."""
    from solvers.analyses.stiffness import H_MULTIGRID, coarse_level_kind
    from solvers.fe.linear_solver import SolverOptions

    kind = coarse_level_kind(1, SolverOptions(p_multigrid=coarse_level), layered=False, refined=bool(refinements))
    return "h-multigrid" if kind == H_MULTIGRID else "gamg"


def _gamg(preconditioner: str) -> dict:
    """The GAMG choices a record was measured with (older records: smoothed aggregation): of the
    fine operator, or for h-multigrid of its coarse level."""
    from solvers.fe.linear_solver import SolverOptions

    two_level = preconditioner == "h-multigrid"
    petsc = SolverOptions().petsc(two_level=two_level)
    prefix = "mg_coarse_" if two_level else ""
    return {"agg_nsmooths": petsc[f"{prefix}pc_gamg_agg_nsmooths"], "threshold": petsc[f"{prefix}pc_gamg_threshold"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=float, default=0.0126, help="element size in the unit cube")
    parser.add_argument("--refinements", type=int, default=0,
                        help="uniform refinements after meshing (mesh.uniform_refinements)")
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-coarse-level", action="store_true",
                        help="GAMG alone on refined meshes (SolverOptions(p_multigrid=False)), not h-multigrid")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "memory.json")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.size, args.refinements, not args.no_coarse_level)
        return 0
    from solvers.app.output import write_json_atomic

    records = json.loads(args.out.read_text())["records"] if args.out.exists() else []
    preconditioner = _preconditioner(args.refinements, not args.no_coarse_level)
    gamg = _gamg(preconditioner)
    mpirun = Path(sys.executable).parent / "mpirun"
    for ranks in args.ranks:
        if any(r["size"] == args.size and r.get("uniform_refinements", 0) == args.refinements and r["ranks"] == ranks
               and r.get("gamg", {"agg_nsmooths": 1}).get("agg_nsmooths") == gamg["agg_nsmooths"]
               and r.get("preconditioner", "gamg") == preconditioner for r in records):
            print(f"h={args.size} refinements={args.refinements} ranks={ranks}: already measured, skipped", flush=True)
            continue
        print(f"h={args.size} refinements={args.refinements} ranks={ranks}: running", flush=True)
        run = subprocess.run([str(mpirun), "-n", str(ranks), sys.executable, __file__, "--worker", "--size", str(args.size),
                              "--refinements", str(args.refinements)] + (["--no-coarse-level"] if args.no_coarse_level else []),
                             capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
        if run.returncode != 0:
            print(run.stderr, file=sys.stderr)
            return run.returncode
        record = json.loads(run.stdout.strip().splitlines()[-1])
        records.append(record)
        write_json_atomic(args.out, {"units": {"memory": "MB (2^20 bytes) per rank", "time": "s", "moduli": "GPa",
                                               "length": "nm (unit cube)"},
                                     "machine": {"cores": os.cpu_count()}, "records": records})
        for stage, peaks in record["memory_MB_per_rank"].items():
            print(f"    {stage:>16s}: " + "  ".join(f"{m:8.0f}" for m in peaks), flush=True)
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
