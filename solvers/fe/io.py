"""The VTK fields of a results folder, written whole.

Every rank writes its piece into a staging folder that rank 0 renames into place, so a reader (or
a killed run) never sees half a field file. Text and JSON files: :mod:`solvers.micromechanics.atomic_files`.
Units: nm, GPa.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
import dolfinx.plot
from dolfinx import fem

__all__ = ["write_fields"]


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
