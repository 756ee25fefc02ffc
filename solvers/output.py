"""The results folder: the contract between solvers and postprocess.

Layout of ``DIR`` (units: nm, GPa, g/cm^3; stated again inside every file)::

    summary.json        effective stiffness, engineering constants, bounds, volume fractions,
                        density, dofs, ranks, timings, software versions, and the case
                        inputs as run (overrides applied) with their digest
    rve.msh             gmsh mesh with physical names (phases, box faces)
    fields/fields.pvd   VTK (ParaView, PyVista): cell data "phase" (tag), point data per load
                        case "w_<IJ>" (fluctuation, nm) or "u_<IJ>" (SUBC displacement, nm),
                        and cell data "strain_<IJ>", "stress_<IJ>" (3x3, GPa per unit load)
                        and "von_mises_<IJ>" (GPa) unless [output] local_fields = false
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

import meshing.fenicsx  # noqa: F401
import dolfinx
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


def _phase_function(rve: RVE) -> fem.Function:
    Q = fem.functionspace(rve.mesh, ("DG", 0))
    phase = fem.Function(Q, name="phase")
    phase.x.array[rve.cell_tags.indices] = rve.cell_tags.values
    phase.x.scatter_forward()
    return phase


def write_fields(directory: str | Path, rve: RVE, fields: Sequence[fem.Function]) -> Path:
    """Write the phase tags and the per-load-case fields as VTK into ``directory/fields``.

    All ranks call this (the VTK writer is collective). The files are written into a
    temporary folder that rank 0 renames into place.

    Returns
    -------
    pathlib.Path
        The ``.pvd`` file.
    """
    comm: MPI.Comm = rve.comm
    directory = Path(directory)
    staging = directory / ".fields.tmp"
    final = directory / "fields"
    if comm.rank == 0:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
    comm.barrier()
    vtk = dolfinx.io.VTKFile(comm, str(staging / "fields.pvd"), "w")
    vtk.write_function([*fields, _phase_function(rve)], 0.0)
    vtk.close()
    del vtk  # the C++ destructor writes the .pvd once more: let it, before the rename
    comm.barrier()
    if comm.rank == 0:
        shutil.rmtree(final, ignore_errors=True)
        os.replace(staging, final)
    comm.barrier()
    return final / "fields.pvd"
