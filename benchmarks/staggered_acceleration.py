"""Benchmark: acceleration of the alternate minimisation on a notched specimen (one rank).

The single-edge-notched tension specimen of ``tests/solvers/analyses/test_toughness.py`` (W = 40,
H = 80, a = 8 nm, AT1, l = 1 nm, h = l/3 ahead of the notch, 40 steps to 2 nm), run with plain
alternate minimisation, Anderson mixing of depth 3 and 5, over-relaxation 1.5, and both (depth 3 with
1.5, as the nacre beam runs). Appends
``{variant, passes, max_passes, seconds, J_IC_J_m2, peak_force}`` records to
``benchmarks/results/staggered_acceleration.json`` (atomically). The converged states are the same
(J_IC and peak force agree to the staggered tolerance); the passes are what acceleration buys.
Usage: ``.venv/bin/python benchmarks/staggered_acceleration.py``. Units: nm, GPa, J/m^2.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VARIANTS = {"plain": {"anderson": 0}, "anderson 3": {"anderson": 3}, "anderson 5": {"anderson": 5},
            "over-relaxation 1.5": {"anderson": 0, "relaxation": 1.5},
            "anderson 3 + over-relaxation 1.5": {"anderson": 3, "relaxation": 1.5}}


def main() -> int:
    from mpi4py import MPI

    from meshing import MeshSettings, Refinement, laminate_geometry, single_edge_notched_tension
    from meshing.specimen_mesh import build_specimen
    from solvers.analyses.notched import toughness_notched
    from solvers.analyses.toughness import ToughnessSettings
    from solvers.app.output import write_json_atomic
    from solvers.fe.alternate_minimisation import StaggeredSettings
    from solvers.micromechanics.materials import isotropic

    W, H, a, h = 40.0, 80.0, 8.0, 1.0 / 3.0
    geometry = single_edge_notched_tension(W, H, a, laminate_geometry([H], ["solid"], [W]), notch_width=0.5)
    mesh = MeshSettings(size=8.0, refinements=(Refinement((a - 4.0, H / 2 - 6.0), (a + 12.0, H / 2 + 6.0), h),))
    specimen = build_specimen(geometry, mesh, comm=MPI.COMM_SELF)
    solid = replace(isotropic(100.0, 0.25, 3.0), fracture_energy=1.0)
    out = ROOT / "benchmarks" / "results" / "staggered_acceleration.json"
    records = json.loads(out.read_text())["records"] if out.exists() else []
    for name, staggered in VARIANTS.items():
        settings = ToughnessSettings(mode="notched", model="AT1", length=1.0, displacement=(0.0, 2.0), steps=40,
                                     crack_region=((a - 2.0, H / 2 - 4.0), (a + 10.0, H / 2 + 4.0)),
                                     staggered=StaggeredSettings(**staggered))
        start = time.perf_counter()
        result = toughness_notched(specimen, {"solid": solid}, settings)
        passes = result.curve["passes"][1:]
        records.append({"variant": name, "staggered": staggered, "passes": int(sum(passes)), "max_passes": int(max(passes)),
                        "seconds": time.perf_counter() - start, "J_IC_J_m2": result.metrics["J_IC_J_m2"],
                        "peak_force": result.metrics["peak_force"], "dofs": result.dofs})
        write_json_atomic(out, {"units": {"time": "s", "force": "GPa nm (N/m)", "J": "J/m^2"}, "records": records})
        r = records[-1]
        print(f"{name:22s} passes {r['passes']:4d} (max {r['max_passes']:3d})  {r['seconds']:6.1f} s  "
              f"J_IC {r['J_IC_J_m2']:.5f}  peak {r['peak_force']:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
