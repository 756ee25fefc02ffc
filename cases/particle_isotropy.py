"""Random stiff spheres in a soft matrix: how many particles make the RVE isotropic?

Run: ``mpirun -n 2 python cases/particle_isotropy.py [--counts 1 8 27 64] [--fraction 0.2]
[--degree 2] [--out results/particle_isotropy]``.

For each particle count, 20 vol% spheres (REFERENCES.md materials: matrix E=3 GPa, nu=0.35;
spheres E=70 GPa, nu=0.2) are packed in a unit cube (nm) with the same element size per sphere
diameter (d/4), solved for the periodic stiffness, and reduced to the anisotropy index
|C - C_iso| / |C_iso| and the bulk and shear moduli of the nearest isotropic tensor, with the
Hashin-Shtrikman bounds and Mori-Tanaka at the meshed fraction. One count is one sphere per
cube, a simple-cubic array. Units: nm, GPa.

Rank 0 writes OUT/isotropy.json after every count (a killed run resumes where it stopped) and
OUT/isotropy.png (anisotropy against count, shear modulus against the bounds).
"""

import argparse
import json
import math
from pathlib import Path

from mpi4py import MPI

from meshing import MeshSettings, particles_geometry
from meshing.rve import build_rve
from solvers.micromechanics.bounds import anisotropy_index, hashin_shtrikman_bulk, hashin_shtrikman_shear, isotropic_projection, mori_tanaka_spheres
from solvers.analyses.stiffness import effective_stiffness
from solvers.micromechanics.materials import bulk_shear_from_E_nu, isotropic
from solvers.app.output import UNITS, write_json_atomic

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--counts", type=int, nargs="+", default=[1, 8, 27, 64])
parser.add_argument("--fraction", type=float, default=0.2)
parser.add_argument("--degree", type=int, default=2)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--out", type=Path, default=Path("results/particle_isotropy"))
args = parser.parse_args()
comm = MPI.COMM_WORLD

matrix, sphere = isotropic(3.0, 0.35, 1.2, name="matrix"), isotropic(70.0, 0.2, 2.5, name="sphere")
Km, Gm = bulk_shear_from_E_nu(3.0, 0.35)
Kf, Gf = bulk_shear_from_E_nu(70.0, 0.2)
inputs = {"fraction": args.fraction, "degree": args.degree, "seed": args.seed, "elements_per_diameter": 4}

# Resume: keep the counts already computed with the same inputs.
json_path = args.out / "isotropy.json"
rows = {}
if comm.rank == 0 and json_path.exists():
    stored = json.loads(json_path.read_text())
    if stored.get("inputs") == inputs:
        rows = {row["count"]: row for row in stored["rows"]}
rows = comm.bcast(rows, root=0)

for count in args.counts:
    if count in rows:
        continue
    diameter = 2 * (3 * args.fraction / (4 * math.pi * count)) ** (1 / 3)
    geometry = particles_geometry(count, args.fraction, (1.0, 1.0, 1.0), seed=args.seed)
    rve = build_rve(geometry, MeshSettings(size=diameter / 4), comm=comm)
    result = effective_stiffness(rve, {"matrix": matrix, "particle": sphere}, degree=args.degree)
    fraction = rve.volume_fractions["particle"]
    K, G = isotropic_projection(result.C)
    rows[count] = {
        "count": count, "meshed_fraction": fraction, "dofs": result.dofs, "anisotropy_index": anisotropy_index(result.C),
        "K": K, "G": G, "K_HS": hashin_shtrikman_bulk([Km, Kf], [Gm, Gf], [1 - fraction, fraction]),
        "G_HS": hashin_shtrikman_shear([Km, Kf], [Gm, Gf], [1 - fraction, fraction]),
        "K_G_mori_tanaka": mori_tanaka_spheres(Km, Gm, Kf, Gf, fraction), "C": result.C.tolist(),
    }
    if comm.rank == 0:
        row = rows[count]
        print(f"{count:4d} spheres  {row['dofs']:>8d} dofs  anisotropy {row['anisotropy_index']:.4f}  "
              f"K {K:.4f}  G {G:.4f} GPa  (HS G in [{row['G_HS'][0]:.4f}, {row['G_HS'][1]:.4f}], MT {row['K_G_mori_tanaka'][1]:.4f})",
              flush=True)
        write_json_atomic(json_path, {"units": UNITS, "inputs": inputs, "rows": [rows[c] for c in sorted(rows)]})

if comm.rank == 0:
    from matplotlib.figure import Figure

    counts = sorted(rows)
    table = [rows[c] for c in counts]
    figure = Figure(figsize=(9, 3.8), layout="constrained")
    left, right = figure.subplots(1, 2)
    left.loglog(counts, [r["anisotropy_index"] for r in table], "o-", label="FE")
    if len(counts) > 1:
        first = table[0]["anisotropy_index"] * math.sqrt(counts[0])
        left.loglog(counts, [first / math.sqrt(c) for c in counts], "k--", lw=0.8, label=r"$\propto N^{-1/2}$")
    left.set(xlabel="spheres per RVE", ylabel=r"anisotropy $|C - C_{iso}| / |C_{iso}|$",
             title=f"{args.fraction:.0%} stiff spheres")
    left.legend()
    right.plot(counts, [r["G"] for r in table], "o-", label="FE, isotropic projection")
    right.plot(counts, [r["K_G_mori_tanaka"][1] for r in table], "s--", label="Mori-Tanaka = HS lower")
    right.plot(counts, [r["G_HS"][1] for r in table], "^:", label="HS upper")
    right.set_xscale("log")
    right.set(xlabel="spheres per RVE", ylabel="shear modulus G (GPa)")
    right.legend(fontsize=8)
    figure.savefig(args.out / "isotropy.png.tmp.png", dpi=120)
    (args.out / "isotropy.png.tmp.png").replace(args.out / "isotropy.png")
    print(f"wrote {json_path} and {args.out / 'isotropy.png'}")
