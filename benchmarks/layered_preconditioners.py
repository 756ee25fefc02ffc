"""Benchmark: Krylov iterations for thin, soft layers, stiffness contrast 10..1e4, thickness ratio 1/5..1/50.

The cell is 3D brick-and-mortar (``nacre_geometry``): two staggered rows of square tablets
(E = 100 GPa, nu = 0.25), length L = 1000 nm, thickness h = 100 nm, in interlayers and head
joints of thickness t = h x ratio (E = 100 / contrast GPa, nu = 0.35), meshed on the tensor grid
(L/10 along the tablets, h/4 through them, 2 elements across every layer), P2 elements (as the
shipped ``nacre_3d``), periodic boundary conditions, all 6 load cases, CG to rtol 1e-6 on
2 ranks. Preconditioners compared (``solvers.fe.linear_solver.SolverOptions``):

* ``multigrid``: the default without thin features: p-multigrid, GAMG on the P1 level, Chebyshev/Jacobi;
* ``multigrid+asm``: the same with additive-Schwarz / ICC smoothing on the GAMG levels;
* ``deflation``: ``multigrid`` with the rigid-body modes of the stiff bodies deflated;
* ``layered``: deflation and ASM/ICC smoothing together (``preconditioner = "layered"``);
* ``mumps``: the direct solve, for time and as the reference C.

(ASM/ICC smoothing on the P2 level as well was measured once, t/h = 1/10 at a contrast of 1e4:
43 iterations against 45, in more time; it is not in the table.)

Each thickness ratio runs in a fresh ``mpirun -n 2`` worker; records (max iterations per load
case, set-up and solve seconds, max |C - C_mumps| / max |C_mumps|; or the solver's failure) go to
``benchmarks/results/layered_preconditioners.json`` after each ratio (atomic; a ratio already
there is skipped, so a killed run resumes). Usage::

    .venv/bin/python benchmarks/layered_preconditioners.py [--quick]

Units: nm, GPa, s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONTRASTS = (10.0, 100.0, 1000.0, 10000.0)
RATIOS = (1 / 5, 1 / 10, 1 / 25, 1 / 50)
TABLET_LENGTH, TABLET_THICKNESS = 1000.0, 100.0
GAMG_LEVELS = "mg_coarse_mg_levels_"  # the GAMG of the P1 level of the p-multigrid


def variants() -> dict[str, dict]:
    """The compared ``SolverOptions`` settings; the ASM/ICC smoothing is the library's own
    (the options ``preconditioner = "layered"`` adds to the multigrid levels)."""
    from solvers.fe.linear_solver import SolverOptions

    plain, layered = SolverOptions().petsc(), SolverOptions().petsc(layered=True)
    smoothing = {f"mg_coarse_{key}": value for key, value in layered.items() if plain.get(key) != value}
    return {
        "multigrid": {"preconditioner": "multigrid"},
        "multigrid+asm": {"preconditioner": "multigrid", "petsc_options": smoothing},
        "deflation": {"preconditioner": "layered", "petsc_options": {
            f"{GAMG_LEVELS}pc_type": "jacobi", f"{GAMG_LEVELS}ksp_chebyshev_esteig": "0,0.1,0,1.1",
            f"{GAMG_LEVELS}esteig_ksp_max_it": 10}},
        "layered": {"preconditioner": "layered"},
        "mumps": {"method": "mumps"},
    }


def worker(ratio: float, contrasts: tuple[float, ...]) -> None:
    """All contrasts and variants for one thickness ratio on MPI.COMM_WORLD; rank 0 prints JSON lines."""
    import numpy as np
    from mpi4py import MPI

    from meshing import MeshSettings, nacre_geometry
    from meshing.rve import build_rve
    from solvers.analyses.stiffness import effective_stiffness
    from solvers.fe.linear_solver import SolverDivergedError, SolverOptions
    from solvers.micromechanics.materials import isotropic

    comm = MPI.COMM_WORLD
    h, L = TABLET_THICKNESS, TABLET_LENGTH
    geometry = nacre_geometry(L, h, 0.5, interlayer_thickness=h * ratio, dim=3)
    rve = build_rve(geometry, MeshSettings(size=h / 2, mesher="tensor", axis_sizes=(L / 10, L / 10, h / 4)), comm)
    for contrast in contrasts:
        materials = {"tablet": isotropic(100.0, 0.25, 1.0), "interlayer": isotropic(100.0 / contrast, 0.35, 1.0)}
        reference = effective_stiffness(rve, materials, degree=2, solver=SolverOptions(method="mumps"))
        for name, settings in variants().items():
            try:
                result = reference if name == "mumps" else effective_stiffness(
                    rve, materials, degree=2, solver=SolverOptions(rtol=1e-6, **settings))
            except SolverDivergedError as failure:  # a row of the table too: this variant fails here
                if comm.rank == 0:
                    print(json.dumps({"ratio": ratio, "contrast": contrast, "variant": name, "dofs": reference.dofs,
                                      "iterations": None, "failure": str(failure)}), flush=True)
                continue
            error = np.abs(result.C - reference.C).max() / np.abs(reference.C).max()
            if comm.rank == 0:
                print(json.dumps({"ratio": ratio, "contrast": contrast, "variant": name, "dofs": result.dofs,
                                  "iterations": max(result.iterations), "setup_s": result.timings["setup"],
                                  "solve_s": result.timings["solve"], "C_error": float(error)}), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="ratio 1/10, contrasts 10 and 1e4")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "layered_preconditioners.json")
    parser.add_argument("--worker", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--contrasts", type=float, nargs="+", default=list(CONTRASTS))
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, tuple(args.contrasts))
        return 0
    from solvers.app.output import write_json_atomic

    records = json.loads(args.out.read_text())["records"] if args.out.exists() else []
    ratios = (1 / 10,) if args.quick else RATIOS
    contrasts = (10.0, 10000.0) if args.quick else CONTRASTS
    mpirun = Path(sys.executable).parent / "mpirun"
    for ratio in ratios:
        if any(abs(r["ratio"] - ratio) < 1e-12 for r in records):
            print(f"t/h = {ratio:.3g}: already measured, skipped", flush=True)
            continue
        command = [str(mpirun), "-n", "2", sys.executable, __file__, "--worker", repr(ratio),
                   "--contrasts", *map(repr, contrasts)]
        run = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
        if run.returncode != 0:
            print(run.stderr, file=sys.stderr)
            return run.returncode
        new = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
        records += new
        write_json_atomic(args.out, {"units": {"time": "s", "moduli": "GPa", "length": "nm"}, "ranks": 2, "degree": 2,
                                     "rtol": 1e-6, "records": records})
        for r in new:
            if r["iterations"] is None:
                print(f"t/h = {r['ratio']:.3g}  contrast {r['contrast']:>7g}  {r['variant']:>14s}: {r['failure']}")
                continue
            print(f"t/h = {r['ratio']:.3g}  contrast {r['contrast']:>7g}  {r['variant']:>14s}: {r['iterations']:>4d} its, "
                  f"setup {r['setup_s']:6.2f} s, solve {r['solve_s']:6.2f} s, C error {r['C_error']:.1e}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
