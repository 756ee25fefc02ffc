"""Export the mesh of a results folder for other solvers (Abaqus, Code_Aster, ANSYS, ParaView), via meshio.

What every export holds (units: nm):

* the volume cells (tetrahedra; triangles in 2D) with one set per phase;
* one node set per boundary group: the box faces ``xmin`` ... ``zmax`` of an RVE, or the faces,
  ``notch`` and load/support patches of a specimen;
* for an RVE, the periodic node pairs: every node on a max face with its image on the opposite
  min face (``x_max - x_min = L`` along that axis, the other coordinates equal), one table per
  axis, for periodic boundary conditions (e.g. Abaqus ``*EQUATION``). Corner and edge nodes
  appear once per axis they lie on.

Formats:

* ``abaqus``: ``mesh.inp`` with ``*ELSET`` per phase and ``*NSET`` per boundary group;
* ``med``: ``mesh.med`` (Code_Aster, Salome) with cell families per phase and node families per
  combination of boundary groups;
* ``xdmf``: ``mesh.xdmf`` (+ ``.h5``) with the cell data ``phase`` (tag), point data ``on_<group>``
  (1 on the group) and ``periodic_image_<axis>`` (index of the image node, -1 elsewhere).

Beside the mesh, ``periodic_pairs.csv`` (columns ``axis, max_node, min_node``, numbered as the
mesh file numbers its nodes: from 1 in .inp and .med, from 0 in .xdmf) and ``sets.json``
(phase tags, boundary groups, box, numbering).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import meshio
import numpy as np
from scipy.spatial import cKDTree

from solvers.app.output import read_summary, write_json_atomic, write_text_atomic
from solvers.micromechanics.units import UNITS

__all__ = ["FORMATS", "ExportedMesh", "read_mesh", "periodic_pairs", "export_mesh"]

#: Format -> (meshio format, file name, first node number).
FORMATS = {"abaqus": ("abaqus", "mesh.inp", 1), "med": ("med", "mesh.med", 1), "xdmf": ("xdmf", "mesh.xdmf", 0)}

_VOLUME_CELLS = {2: "triangle", 3: "tetra"}
_FACET_CELLS = {2: "line", 3: "triangle"}


class ExportedMesh:
    """The mesh of a results folder, as plain arrays (0-based node numbers).

    Attributes
    ----------
    points : numpy.ndarray, shape (nodes, dim)
        Node coordinates (nm).
    cells : numpy.ndarray, shape (cells, dim + 1)
        Volume cells.
    phase : numpy.ndarray, shape (cells,)
        Phase tag of every cell.
    phases : dict of str to int
        Phase name -> tag.
    node_sets : dict of str to numpy.ndarray
        Boundary group -> its nodes.
    """

    def __init__(self, points: np.ndarray, cells: np.ndarray, phase: np.ndarray, phases: dict[str, int],
                 node_sets: dict[str, np.ndarray]) -> None:
        self.points, self.cells, self.phase, self.phases, self.node_sets = points, cells, phase, phases, node_sets

    @property
    def dim(self) -> int:
        """Spatial dimension."""
        return self.points.shape[1]


def read_mesh(directory: str | Path) -> tuple[ExportedMesh, dict]:
    """The gmsh mesh of a results folder (``summary.json`` names it) and the summary.

    Raises
    ------
    FileNotFoundError
        When the folder has no summary or no mesh file.
    ValueError
        When the case refined its mesh after meshing (``mesh.uniform_refinements``): the
        ``.msh`` is then the coarse gmsh mesh, not the mesh the fields live on.
    """
    directory = Path(directory)
    if not (directory / "summary.json").is_file():
        raise FileNotFoundError(f"'{directory}' is not an amorfem results folder: no summary.json")
    summary = read_summary(directory)
    refinements = summary.get("case", {}).get("inputs", {}).get("mesh", {}).get("uniform_refinements", 0)
    if refinements and summary.get("geometry", {}).get("body", "rve") == "rve":
        raise ValueError(f"'{directory}' was refined after meshing (mesh.uniform_refinements={refinements}): its "
                         f"{summary['files']['mesh']} is the coarse gmsh mesh, not the mesh it was solved on; export a case "
                         "meshed at its final size (uniform_refinements = 0, size divided by 2 per refinement)")
    path = directory / summary["files"]["mesh"]
    if not path.is_file():
        raise FileNotFoundError(f"the mesh file '{path}' of the results folder is missing")
    raw = meshio.read(path)
    dim = len(summary["geometry"]["box"])
    groups = {name: int(tag) for name, (tag, group_dim) in raw.field_data.items() if group_dim == dim}
    boundaries = {name: int(tag) for name, (tag, group_dim) in raw.field_data.items() if group_dim == dim - 1}
    physical = raw.cell_data["gmsh:physical"]
    volume = [(block.data, physical[k]) for k, block in enumerate(raw.cells) if block.type == _VOLUME_CELLS[dim]]
    facets = [(block.data, physical[k]) for k, block in enumerate(raw.cells) if block.type == _FACET_CELLS[dim]]
    cells = np.concatenate([c for c, _ in volume])
    phase = np.concatenate([t for _, t in volume]).astype(np.int32)
    used = np.unique(cells)
    renumber = np.full(raw.points.shape[0], -1, dtype=np.int64)
    renumber[used] = np.arange(used.size)
    facet_cells = np.concatenate([c for c, _ in facets]) if facets else np.zeros((0, dim), dtype=np.int64)
    facet_tags = np.concatenate([t for _, t in facets]) if facets else np.zeros(0, dtype=np.int64)
    node_sets = {name: np.unique(renumber[facet_cells[facet_tags == tag]]) for name, tag in boundaries.items()}
    mesh = ExportedMesh(raw.points[used, :dim], renumber[cells], phase, groups, node_sets)
    return mesh, summary


def periodic_pairs(mesh: ExportedMesh, box: Sequence[float]) -> dict[int, np.ndarray]:
    """For every axis, the (max-face node, min-face image) pairs of a periodic mesh (0-based).

    Raises
    ------
    ValueError
        When a node on a max face has no image (the mesh is not periodic).
    """
    L = np.asarray(box, dtype=float)
    tol = 1e-8 * L.max()
    x = mesh.points
    pairs = {}
    for axis in range(mesh.dim):
        high = np.flatnonzero(np.abs(x[:, axis] - L[axis]) < tol)
        low = np.flatnonzero(np.abs(x[:, axis]) < tol)
        images = x[high].copy()
        images[:, axis] -= L[axis]
        distance, nearest = cKDTree(x[low]).query(images, distance_upper_bound=tol)
        if not np.all(np.isfinite(distance)):
            missing = x[high][~np.isfinite(distance)][0]
            raise ValueError(f"the mesh is not periodic along x{axis + 1}: the node at {missing.tolist()} nm has no image")
        pairs[axis] = np.column_stack([high, low[nearest]])
    return pairs


def _meshio_mesh(mesh: ExportedMesh, fmt: str, pairs: dict[int, np.ndarray]) -> meshio.Mesh:
    dim = mesh.dim
    points = np.column_stack([mesh.points, np.zeros((mesh.points.shape[0], 3 - dim))]) if dim == 2 else mesh.points
    cells = [(_VOLUME_CELLS[dim], mesh.cells)]
    names = {tag: name for name, tag in mesh.phases.items()}
    if fmt == "abaqus":
        cell_sets = {f"PHASE_{names[tag].upper()}": [np.flatnonzero(mesh.phase == tag)] for tag in names}
        point_sets = {name.upper(): nodes for name, nodes in mesh.node_sets.items()}
        return meshio.Mesh(points, cells, cell_sets=cell_sets, point_sets=point_sets)
    if fmt == "med":
        out = meshio.Mesh(points, cells, cell_data={"cell_tags": [-mesh.phase]})
        out.cell_tags = {-tag: [names[tag]] for tag in names}
        membership = np.zeros(mesh.points.shape[0], dtype=np.int64)
        groups = sorted(mesh.node_sets)
        for bit, name in enumerate(groups):
            membership[mesh.node_sets[name]] |= 1 << bit
        out.point_data["point_tags"] = membership
        out.point_tags = {int(code): [g for bit, g in enumerate(groups) if code >> bit & 1]
                          for code in np.unique(membership) if code}
        return out
    point_data = {}
    for name, nodes in mesh.node_sets.items():
        flag = np.zeros(mesh.points.shape[0], dtype=np.int32)
        flag[nodes] = 1
        point_data[f"on_{name}"] = flag
    for axis, table in pairs.items():
        image = np.full(mesh.points.shape[0], -1, dtype=np.int64)
        image[table[:, 0]] = table[:, 1]
        point_data[f"periodic_image_{'xyz'[axis]}"] = image
    return meshio.Mesh(points, cells, point_data=point_data, cell_data={"phase": [mesh.phase]})


def export_mesh(directory: str | Path, fmt: str, out: str | Path | None = None) -> list[Path]:
    """Write the mesh of a results folder in another solver's format.

    Parameters
    ----------
    directory : path
        Results folder of ``amorfem run``.
    fmt : {"abaqus", "med", "xdmf"}
    out : path, optional
        Output folder (default ``DIR/export``).

    Returns
    -------
    list of pathlib.Path
        The files written (mesh, periodic pairs for RVEs, sets description).

    Raises
    ------
    ValueError
        For an unknown format.
    """
    if fmt not in FORMATS:
        raise ValueError(f"export format '{fmt}' is not known; allowed: {', '.join(FORMATS)}")
    meshio_format, filename, first = FORMATS[fmt]
    mesh, summary = read_mesh(directory)
    out = Path(directory) / "export" if out is None else Path(out)
    out.mkdir(parents=True, exist_ok=True)
    periodic = summary["geometry"].get("body", "rve") == "rve"
    pairs = periodic_pairs(mesh, summary["geometry"]["box"]) if periodic else {}
    target = out / filename
    staging = out / f".{target.stem}.tmp{target.suffix}"
    meshio.write(staging, _meshio_mesh(mesh, fmt, pairs), file_format=meshio_format)
    if fmt == "xdmf":
        staging.with_suffix(".h5").replace(target.with_suffix(".h5"))
        staging.write_text(staging.read_text().replace(staging.with_suffix(".h5").name, target.with_suffix(".h5").name))
    staging.replace(target)
    written = [target] + ([target.with_suffix(".h5")] if fmt == "xdmf" else [])
    if periodic:
        rows = [f"{'xyz'[axis]},{a + first},{b + first}" for axis, table in pairs.items() for a, b in table]
        header = (f"# periodic node pairs of {target.name}: node on the max face, its image on the min face "
                  f"(node numbers from {first}); box {summary['geometry']['box']} nm\naxis,max_node,min_node\n")
        write_text_atomic(out / "periodic_pairs.csv", header + "\n".join(rows) + "\n")
        written.append(out / "periodic_pairs.csv")
    write_json_atomic(out / "sets.json", {
        "units": UNITS,
        "mesh": target.name,
        "format": fmt,
        "first_node_number": first,
        "box": summary["geometry"]["box"],
        "phases": mesh.phases,
        "boundary_node_sets": {name: int(nodes.size) for name, nodes in mesh.node_sets.items()},
        "periodic_pairs": {"xyz"[axis]: int(table.shape[0]) for axis, table in pairs.items()},
    })
    written.append(out / "sets.json")
    return written
