"""Toughness side by side: one case file run as shipped and with one change, on the same mesh.

* ``nacre``: ``cases/nacre_notched.toml`` (three-point bending of a beam tiled by the
  brick-and-mortar cell) against the same beam with its interlayers made of aragonite, a
  monolithic aragonite specimen of the same size: force-displacement curves and R-curves.
* ``nacre_sent``: the same with ``cases/nacre_sent.toml`` (single-edge-notched tension across
  the tablet rows, which breaks through).
* ``enamel``: ``cases/enamel_toughness.toml`` (HA nanowires coated by 2 nm of amorphous ZrO2 in
  PVA, pulled across the wires to failure) against the same cell with the coating made of PVA
  (uncoated wires), both pulled to 16 % (the uncoated cell outlasts the shipped 8 %): stress-strain
  curves, strength and work of fracture.

Run: ``mpirun -n 2 python cases/toughness_comparison.py nacre [--out results/nacre_toughness]``.
Each run resumes from its checkpoints when killed, and finished runs are not recomputed. Rank 0
prints the table and writes ``OUT/comparison.json`` (atomically) and the overlaid curves
(``OUT/*.png``); each run's folder has its own figures (``figures/``: the crack over the phases).
Units: nm, GPa, J/m^2, MJ/m^3; forces per unit thickness in GPa nm (= N/m).
"""

import argparse
from pathlib import Path

from mpi4py import MPI

from postprocess.curves import plot_force_displacement, plot_r_curve, plot_stress_strain
from postprocess.figures import render_figures
from postprocess.results import load_results
from solvers.app.case import load_case
from solvers.app.cli import configure_logging
from solvers.app.output import UNITS, write_json_atomic
from solvers.app.run import run_case

HERE = Path(__file__).resolve().parent
ARAGONITE = "{ E = 91.5, nu = 0.279, density = 2.93, fracture_energy = 1.5 }"  # as the tablets of nacre_notched
MONOLITHIC = [f"materials.interlayer={ARAGONITE}", "analysis.interfaces={}"]
PAIRS = {
    "nacre": ("nacre_notched.toml", "nacre", "monolithic aragonite", MONOLITHIC),
    "nacre_sent": ("nacre_sent.toml", "nacre", "monolithic aragonite", MONOLITHIC),
    "enamel": ("enamel_toughness.toml", "coated wires", "uncoated wires",
               ['materials.coating={ name = "PVA", fracture_energy = 0.5 }']),
}
#: Changes made to both runs of a pair: the uncoated wires still carry 0.13 GPa at the shipped
#: case's 8 % (they fail at 11.6 %), so both are pulled to 16 % in steps of 0.2 %, as shipped.
COMMON = {"nacre": [], "nacre_sent": [], "enamel": ["analysis.strain=[0.0, 0.16]", "analysis.steps=80"]}
NOTCHED_KEYS = ("peak_force", "K_Q_MPa_sqrt_m", "J_IC_J_m2", "K_JC_MPa_sqrt_m", "crack_extension_nm")
RVE_KEYS = ("peak_strength_GPa", "strain_at_peak", "failure_strain", "work_of_fracture_MJ_m3")

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("pair", choices=sorted(PAIRS))
parser.add_argument("--out", type=Path, default=None, help="default results/<pair>_toughness")
args = parser.parse_args()
out = args.out or Path("results") / f"{args.pair}_toughness"
comm = MPI.COMM_WORLD
configure_logging(comm, verbose=True)  # progress on rank 0

case_file, label, other_label, change = PAIRS[args.pair]
common = COMMON[args.pair]
runs = {label: load_case(HERE / case_file, common), other_label: load_case(HERE / case_file, common + change)}
summaries = {}
for name, case in runs.items():
    folder = out / name.replace(" ", "_")
    summaries[name] = run_case(case, folder, comm=comm)
    if comm.rank == 0:
        render_figures(load_results(folder), folder / "figures")

if comm.rank == 0:
    notched = runs[label].settings.mode == "notched"
    keys = NOTCHED_KEYS if notched else RVE_KEYS
    table = {name: {k: s["toughness"].get(k) for k in keys} for name, s in summaries.items()}
    print(f"{'':22s}" + "".join(f"{k:>24s}" for k in keys))
    for name, row in table.items():
        print(f"{name:22s}" + "".join(f"{row[k]:24.4g}" if row[k] is not None else f"{'-':>24s}" for k in keys))
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out / "comparison.json", {"units": UNITS, "pair": args.pair, "runs": table})
    labels, values = list(summaries), list(summaries.values())
    if notched:
        plot_force_displacement(values, labels, f"{label} vs {other_label}").savefig(out / "force_displacement.png", dpi=130)
        plot_r_curve(values, labels, f"R-curves: {label} vs {other_label}").savefig(out / "r_curve.png", dpi=130)
    else:
        plot_stress_strain(values, labels, f"{label} vs {other_label}").savefig(out / "stress_strain.png", dpi=130)
