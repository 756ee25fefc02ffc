"""The results folder: the contract between solvers and postprocess.

Layout of ``DIR`` (units: nm, GPa, g/cm^3; stated again inside every file)::

    summary.json        effective stiffness, engineering constants, bounds, volume fractions,
                        density, dofs, ranks, timings, software versions, and the case
                        inputs as run (overrides applied) with their digest
    rve.msh             gmsh mesh with physical names (phases, box faces)
    fields/fields.vtm   VTK multiblock (ParaView, PyVista) of one compressed binary .vtu per
                        rank: cell data "phase" (tag), point data per load case "w_<IJ>"
                        (fluctuation, nm) or "u_<IJ>" (SUBC displacement, nm), and cell data
                        "strain_<IJ>", "stress_<IJ>" (3x3, GPa per unit load) and
                        "von_mises_<IJ>" (GPa) unless [output] local_fields = false
    rve.png             picture of the RVE coloured by phase

Every file appears atomically (written to a temporary name, then renamed), and only rank 0
writes shared files.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mpi4py import MPI

import numpy as np

import meshing.fenicsx  # noqa: F401
import dolfinx.plot
from dolfinx import fem

from meshing.rve import RVE

__all__ = ["UNITS", "write_json_atomic", "write_text_atomic", "write_fields", "read_summary"]

#: Units used in every output file.
UNITS = {
    "length": "nm",
    "stress_and_moduli": "GPa",
    "density": "g/cm^3",
    "energy_density": "GPa (1 GPa = 1000 MJ/m^3)",
    "fracture_energy": "J/m^2 (= GPa nm)",
    "time": "s",
}


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: str | Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` as indented JSON, atomically."""
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def read_summary(directory: str | Path) -> dict[str, Any]:
    """The ``summary.json`` of a results folder."""
    return json.loads((Path(directory) / "summary.json").read_text())


def _piece(point_fields: Sequence[fem.Function], cell_arrays: Mapping[str, np.ndarray]) -> Any:
    """This rank's owned cells as a PyVista grid with the given point and cell data."""
    import pyvista as pv

    V = point_fields[0].function_space
    topology, cell_types, x = dolfinx.plot.vtk_mesh(V)
    grid = pv.UnstructuredGrid(topology, cell_types, x)
    for f in point_fields:
        values = f.x.array.reshape(x.shape[0], -1)
        grid.point_data[f.name] = np.column_stack([values, np.zeros((values.shape[0], 3 - values.shape[1]))])
    for name, values in cell_arrays.items():
        grid.cell_data[name] = values
    return grid


def write_fields(
    directory: str | Path, rve: RVE, point_fields: Sequence[fem.Function], cell_arrays: Mapping[str, np.ndarray]
) -> Path:
    """Write the RVE with point fields (one Lagrange space) and cell arrays (owned cells) as VTK.

    Every rank writes its owned cells as one zlib-compressed binary ``.vtu``; rank 0 writes the
    ``fields.vtm`` index. The files go to a temporary folder that rank 0 renames into place.
    All ranks must call this. (DOLFINx's VTKFile writes ASCII: 1 GB per rank for 4e5 cells.)

    Parameters
    ----------
    directory : path
        Results folder.
    rve : RVE
    point_fields : sequence of dolfinx.fem.Function
        Vector fields on one Lagrange space (nm), written at its dof points.
    cell_arrays : mapping of str to numpy.ndarray
        Values per locally owned cell (first axis: cell), e.g. the phase tag.

    Returns
    -------
    pathlib.Path
        The ``.vtm`` file.
    """
    comm: MPI.Comm = rve.comm
    directory = Path(directory)
    staging, final = directory / ".fields.tmp", directory / "fields"
    if comm.rank == 0:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
    comm.barrier()
    _piece(point_fields, cell_arrays).save(staging / f"rank{comm.rank}.vtu", binary=True, compression="zlib")
    comm.barrier()
    if comm.rank == 0:
        blocks = "\n".join(f'    <DataSet index="{r}" name="rank {r}" file="rank{r}.vtu"/>' for r in range(comm.size))
        (staging / "fields.vtm").write_text(
            '<?xml version="1.0"?>\n<VTKFile type="vtkMultiBlockDataSet" version="1.0">\n  <vtkMultiBlockDataSet>\n'
            f"{blocks}\n  </vtkMultiBlockDataSet>\n</VTKFile>\n"
        )
        shutil.rmtree(final, ignore_errors=True)
        os.replace(staging, final)
    comm.barrier()
    return final / "fields.vtm"
