"""How much crystal does a metallic glass need? Cu nanocrystals in a Zr-based metallic glass
(cases/glass_cu_strength.toml: 8 spheres, random lattices, elastic-perfectly-plastic glass) in
uniaxial tension to 4 %, from 5 to 30 vol% of crystal: modulus, 0.2 % yield, peak and work.

The glass model has no shear-band softening, so what the study shows is the constrained-flow
hardening the crystals add, not the brittle-to-ductile transition of real glasses (see the
README's strength discussion).

Run: ``mpirun -n 2 .venv/bin/python cases/studies/glass_crystal_fraction.py``; it resumes, and
writes ``results/studies/glass_crystal_fraction/``. Units: nm, GPa, g/cm^3, MJ/m^3.
"""

from pathlib import Path

from mpi4py import MPI

import math

from solvers.app.cli import configure_logging
from solvers.studies import Study, explicit

HERE = Path(__file__).resolve().parent
FRACTIONS = [0.05, 0.1, 0.15, 0.2, 0.3]


def _particle_size(fraction: float, count: int = 8, box: float = 20.0) -> float:
    """Element size in the crystals: 3 elements across a sphere's diameter (nm), at most the case's 2.2 nm."""
    diameter = 2 * (3 * fraction * box**3 / (4 * math.pi * count)) ** (1 / 3)
    return min(2.2, math.floor(diameter / 3 * 1000) / 1000)


study = Study(base=HERE.parent / "glass_cu_strength.toml", name="glass_crystal_fraction",
              design=explicit([{"geometry.volume_fraction": f, "mesh.phase_size.nanocrystal": _particle_size(f)}
                               for f in FRACTIONS]),
              derived={"hardening_GPa": "peak_strength_GPa - yield_strength_GPa"})

if __name__ == "__main__":
    configure_logging(MPI.COMM_WORLD, verbose=True)
    table = study.run(MPI.COMM_WORLD, ranks_per_case=1)
    if MPI.COMM_WORLD.rank == 0:
        from postprocess.report import write_study_report

        print(table[["geometry.volume_fraction", "modulus_GPa", "yield_strength_GPa", "peak_strength_GPa", "work_MJ_per_m3", "status"]])
        print(f"report {write_study_report(study.folder)}")
