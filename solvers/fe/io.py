"""Files that appear whole: atomic text/JSON writes and the VTK fields of a results folder.

Every file is written to a temporary name in its folder and renamed into place, so a reader (or
a killed run) never sees half a file. Shared files are written by rank 0 only; the VTK fields
by every rank (one piece each), staged in a folder that rank 0 renames into place.
Units: nm, GPa.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
import dolfinx.plot
from dolfinx import fem

__all__ = ["write_text_atomic", "write_json_atomic", "write_fields"]


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


def _piece(mesh: dolfinx.mesh.Mesh, point_fields: Sequence[fem.Function], cell_arrays: Mapping[str, np.ndarray]) -> Any:
    """This rank's owned cells as a PyVista grid with the given point and cell data."""
    import pyvista as pv

    if point_fields:
        topology, cell_types, x = dolfinx.plot.vtk_mesh(point_fields[0].function_space)
    else:
        topology, cell_types, x = dolfinx.plot.vtk_mesh(mesh, mesh.topology.dim)
    grid = pv.UnstructuredGrid(topology, cell_types, x)
    for f in point_fields:
        values = f.x.array.reshape(x.shape[0], -1)
        grid.point_data[f.name] = np.column_stack([values, np.zeros((values.shape[0], 3 - values.shape[1]))])
    for name, values in cell_arrays.items():
        grid.cell_data[name] = values
    return grid


def write_fields(
    directory: str | Path,
    mesh: dolfinx.mesh.Mesh,
    point_fields: Sequence[fem.Function],
    cell_arrays: Mapping[str, np.ndarray],
    name: str = "fields",
) -> Path:
    """Write a mesh with point fields (one Lagrange space) and cell arrays (owned cells) as VTK.

    Every rank writes its owned cells as one zlib-compressed binary ``.vtu``; rank 0 writes the
    ``<name>.vtm`` index. The files go to a temporary folder that rank 0 renames into place.
    All ranks must call this. (DOLFINx's VTKFile writes ASCII: 1 GB per rank for 4e5 cells.)

    Parameters
    ----------
    directory : path
        Results folder.
    mesh : dolfinx.mesh.Mesh
    point_fields : sequence of dolfinx.fem.Function
        Vector fields on one Lagrange space (nm), written at its dof points; may be empty.
    cell_arrays : mapping of str to numpy.ndarray
        Values per locally owned cell (first axis: cell), e.g. the phase tag.
    name : str
        Folder and index name inside ``directory``.

    Returns
    -------
    pathlib.Path
        The ``.vtm`` file.
    """
    comm: MPI.Comm = mesh.comm
    directory = Path(directory)
    staging, final = directory / f".{name}.tmp", directory / name
    if comm.rank == 0:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
    comm.barrier()
    _piece(mesh, point_fields, cell_arrays).save(staging / f"rank{comm.rank}.vtu", binary=True, compression="zlib")
    comm.barrier()
    if comm.rank == 0:
        blocks = "\n".join(f'    <DataSet index="{r}" name="rank {r}" file="rank{r}.vtu"/>' for r in range(comm.size))
        (staging / f"{name}.vtm").write_text(
            '<?xml version="1.0"?>\n<VTKFile type="vtkMultiBlockDataSet" version="1.0">\n  <vtkMultiBlockDataSet>\n'
            f"{blocks}\n  </vtkMultiBlockDataSet>\n</VTKFile>\n"
        )
        shutil.rmtree(final, ignore_errors=True)
        os.replace(staging, final)
    comm.barrier()
    return final / f"{name}.vtm"
