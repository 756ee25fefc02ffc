"""Benchmark: mesh and load-step convergence of the yield strength of a plastic sphere-in-matrix RVE.

The RVE is the unit cube (nm; only ratios matter) with one elastic sphere (E = 130 GPa,
nu = 0.34) at 25 vol% in a Drucker-Prager glass (E = 90 GPa, nu = 0.36, tensile yield 1.96 GPa,
compressive 2.43 GPa, dilatancy 0.5, hardening modulus 2 GPa), in uniaxial tension along x1 to
4 %. For P1 and P2 displacements and a sequence of element sizes (20 steps), and at one size for
10, 20 and 40 steps, it records the 0.2 % offset yield strength, the peak strength (GPa), the
dofs, the mean Newton iterations per step and the wall time (s, one rank, MUMPS).

Usage::

    .venv/bin/python benchmarks/strength_convergence.py            # the full table (~15 min here)
    .venv/bin/python benchmarks/strength_convergence.py --quick    # the two coarsest meshes

Results go to ``benchmarks/results/strength_convergence.json`` (atomic writes); a killed run
resumes where it stopped (``--fresh`` starts over).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: (degree, element size, steps).
MESHES = [(1, 0.2, 20), (1, 0.14, 20), (1, 0.1, 20), (1, 0.07, 20),
          (2, 0.25, 20), (2, 0.2, 20), (2, 0.14, 20), (2, 0.1, 20)]
STEPS = [(2, 0.2, 10), (2, 0.2, 40)]
QUICK = [(1, 0.2, 20), (2, 0.25, 20)]


def measure(degree: int, size: float, steps: int) -> dict:
    """One configuration, serial."""
    import numpy as np
    from mpi4py import MPI

    from meshing import MeshSettings, inclusions
    from solvers.analyses.strength import StrengthSettings, strength
    from solvers.fe.linear_solver import SolverOptions
    from solvers.micromechanics.materials import isotropic
    from solvers.micromechanics.plasticity import DruckerPragerPlasticity

    glass = isotropic(90.0, 0.36, 6.0, plasticity=DruckerPragerPlasticity(1.96, 2.43, dilatancy=0.5, hardening_modulus=2.0))
    materials = {"matrix": glass, "inclusion": isotropic(130.0, 0.34, 8.9)}
    rve = inclusions(0.25, (1.0, 1.0, 1.0), MeshSettings(size=size), comm=MPI.COMM_SELF)
    start = time.perf_counter()
    result = strength(rve, materials, StrengthSettings(strain=(0.0, 0.04), steps=steps, fields_every=0), degree=degree,
                      solver=SolverOptions(method="mumps"))
    return {
        "degree": degree, "size": size, "steps": steps, "dofs": result.dofs,
        "meshed_volume_fraction": rve.volume_fractions["inclusion"],
        "yield_strength_GPa": result.metrics.yield_strength, "peak_strength_GPa": result.metrics.peak_strength,
        "mean_newton_per_step": float(np.mean(result.curve["newton"][1:])),
        "energy_balance": result.energy_balance, "seconds": time.perf_counter() - start,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the two coarsest meshes only")
    parser.add_argument("--fresh", action="store_true", help="ignore results already in the output file")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "strength_convergence.json")
    args = parser.parse_args()
    from solvers.micromechanics.atomic_files import write_text_atomic

    records = [] if args.fresh or not args.out.exists() else json.loads(args.out.read_text())["records"]
    done = {(r["degree"], r["size"], r["steps"]) for r in records}
    for degree, size, steps in QUICK if args.quick else MESHES + STEPS:
        if (degree, size, steps) in done:
            print(f"P{degree} h={size} {steps} steps: already measured, skipped", flush=True)
            continue
        record = measure(degree, size, steps)
        records.append(record)
        write_text_atomic(args.out, json.dumps({
            "units": {"stress": "GPa", "time": "s", "length": "nm (unit cube)"},
            "case": "elastic sphere (25 vol%) in a Drucker-Prager glass, uniaxial tension to 4 %, one rank, MUMPS",
            "machine": {"cores": os.cpu_count()},
            "records": records,
        }, indent=1) + "\n")
        print(f"P{degree} h={size:<5} {steps:>2} steps {record['dofs']:>7d} dofs  yield {record['yield_strength_GPa']:.4f} GPa"
              f"  peak {record['peak_strength_GPa']:.4f} GPa  Newton/step {record['mean_newton_per_step']:.2f}"
              f"  {record['seconds']:.0f} s", flush=True)
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
