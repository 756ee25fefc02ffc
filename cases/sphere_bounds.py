"""Stiff sphere in a soft amorphous matrix: periodic, kinematic and static BCs against the bounds.

Run: ``mpirun -n 2 python cases/sphere_bounds.py [--size 0.1] [--degree 2] [--out results/sphere_bounds]``.
Reads top to bottom like a DOLFINx demo: geometry -> mesh -> materials -> solve -> report.
Units: nm, GPa. The table is printed by rank 0 and written to OUT/bounds.json.
"""

import argparse
from pathlib import Path

import numpy as np
from mpi4py import MPI

from meshing import MeshSettings, inclusions
from solvers.analyses.stiffness import effective_stiffness
from solvers.micromechanics.materials import isotropic
from solvers.app.output import UNITS, write_json_atomic

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--size", type=float, default=0.1, help="element size (nm) in a 1 nm cube")
parser.add_argument("--degree", type=int, default=2)
parser.add_argument("--fraction", type=float, default=0.2)
parser.add_argument("--out", type=Path, default=Path("results/sphere_bounds"))
args = parser.parse_args()
comm = MPI.COMM_WORLD

# Geometry and mesh: one sphere per unit cube (a simple-cubic array).
rve = inclusions(args.fraction, (1.0, 1.0, 1.0), MeshSettings(size=args.size), comm=comm)

# Materials of REFERENCES.md: amorphous matrix E=3 GPa, crystalline sphere E=70 GPa.
materials = {"matrix": isotropic(3.0, 0.35, 1.2, name="matrix"), "inclusion": isotropic(70.0, 0.2, 2.5, name="sphere")}

# Solve the three boundary conditions on the same mesh.
results = {bc: effective_stiffness(rve, materials, bc=bc, degree=args.degree) for bc in ("kubc", "periodic", "subc")}


def cubic(C):
    return {"C11": np.diag(C)[:3].mean(), "C12": np.mean([C[0, 1], C[0, 2], C[1, 2]]), "C44": np.diag(C)[3:].mean()}


# Report: the cubic constants under each BC, with the Voigt/Reuss and Hashin-Shtrikman bounds.
periodic = results["periodic"]
rows = {bc: cubic(r.C) for bc, r in results.items()}
rows["voigt"], rows["reuss"] = cubic(periodic.voigt), cubic(periodic.reuss)
for row in rows.values():
    row["K"] = (row["C11"] + 2 * row["C12"]) / 3
report = {"units": UNITS, "volume_fraction": periodic.volume_fractions["inclusion"], "dofs": periodic.dofs,
          "ranks": comm.size, "table": rows, "hashin_shtrikman": periodic.hashin_shtrikman}
if comm.rank == 0:
    print(f"sphere fraction {report['volume_fraction']:.4f} (meshed), {periodic.dofs} dofs, P{args.degree}, {comm.size} ranks")
    print(f"{'':>9} {'C11':>8} {'C12':>8} {'C44':>8} {'K':>8}   (GPa)")
    for name, row in rows.items():
        print(f"{name:>9} " + " ".join(f"{row[k]:8.4f}" for k in ("C11", "C12", "C44", "K")))
    print("HS bounds: K in [{:.4f}, {:.4f}], G in [{:.4f}, {:.4f}]".format(*report["hashin_shtrikman"]["K"], *report["hashin_shtrikman"]["G"]))
    write_json_atomic(args.out / "bounds.json", report)
