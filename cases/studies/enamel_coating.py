"""How thin may an enamel coating be? Stiffness of coated HA nanowires in PVA (2D, across the
wires) against the thickness of their amorphous ZrO2 coating, 0 (uncoated) to 3 nm.

Run: ``mpirun -n 2 .venv/bin/python cases/studies/enamel_coating.py`` (two points at a time);
it resumes where it stopped, and writes ``results/studies/enamel_coating/`` (table.csv,
table.parquet, report.html, figures/). Units: nm, GPa, g/cm^3.
"""

from pathlib import Path

from mpi4py import MPI

from solvers.app.cli import configure_logging
from solvers.studies import Study, explicit

HERE = Path(__file__).resolve().parent
THICKNESSES = [0.5, 1.0, 2.0, 3.0]  # at 60 vol% the PVA gap between coated wires is 9.2 - 2t nm

# Each coating gets 3 elements through its thickness; "uncoated" is the same cell with the
# coating made of the matrix's PVA (same mesh rule, no ZrO2).
points = [{"geometry.coating_thickness": t, "mesh.phase_size.coating": t / 3, "materials.coating": "amorphous_ZrO2"}
          for t in THICKNESSES]
points.insert(0, {"geometry.coating_thickness": 2.0, "mesh.phase_size.coating": 2.0 / 3, "materials.coating": "PVA"})



def gain_over_uncoated(table):
    """E2 across the wires relative to the uncoated cell (a function of the whole table)."""
    uncoated = table.loc[table["materials.coating"] == "PVA", "E2"]
    return table["E2"] / uncoated.iloc[0] if len(uncoated) else float("nan")


study = Study(base=HERE / "enamel_study_base.toml", design=explicit(points), name="enamel_coating",
              derived={"specific_E2": "E2 / density", "E2_gain_over_uncoated": gain_over_uncoated})

if __name__ == "__main__":
    configure_logging(MPI.COMM_WORLD, verbose=True)
    table = study.run(MPI.COMM_WORLD, ranks_per_case=1)
    if MPI.COMM_WORLD.rank == 0:
        from postprocess.report import write_study_report

        print(table[["geometry.coating_thickness", "materials.coating", "E2", "G12", "density", "E2_gain_over_uncoated",
                     "status"]])
        print(f"report {write_study_report(study.folder)}")
