"""The results folder: the contract between solvers and postprocess.

Layout of ``DIR`` (units: nm, GPa, g/cm^3; stated again inside every file)::

    summary.json        what the analysis computed (for stiffness: C, engineering constants,
                        bounds, volume fractions, density), dofs and unknowns, ranks, timings,
                        software versions, the code version, and the case inputs as run
                        (overrides applied) with their digest
    rve.msh             gmsh mesh with physical names (phases, box faces); specimen.msh for specimens;
                        with mesh.uniform_refinements, the coarse mesh gmsh made (refined in parallel after)
    fields/fields.vtm   VTK multiblock (ParaView, PyVista) of one compressed binary .vtu per
                        rank: cell data "phase" (tag) and the analysis's point and cell fields
                        (stiffness: "w_<IJ>" or "u_<IJ>" in nm; "strain_<IJ>", "stress_<IJ>" in
                        GPa per unit load, "von_mises_<IJ>" in GPa)
    rve.png             picture of the RVE coloured by phase

Every file appears atomically (written to a temporary name, then renamed), and only rank 0
writes shared files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from solvers.fe.io import write_fields
from solvers.micromechanics.atomic_files import write_json_atomic, write_text_atomic
from solvers.micromechanics.units import UNITS

__all__ = ["UNITS", "write_json_atomic", "write_text_atomic", "write_fields", "read_summary"]


def read_summary(directory: str | Path) -> dict[str, Any]:
    """The ``summary.json`` of a results folder."""
    return json.loads((Path(directory) / "summary.json").read_text())
