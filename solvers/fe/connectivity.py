"""Pieces of a discretised body that are tied to nothing else (floating phases).

Two cells are tied when they share a node of the function space the problem is solved in (for a
periodic problem the folded space, so pieces joined only through periodicity are one piece). A
conforming mesh of a geometry whose phases touch is one piece; a phase whose mesh shares no node
with the rest (a failed boolean fragment, an inclusion meshed on its own) adds rigid-body modes
to the operator, which a direct solver would silently fix at a particular solution.

The local pieces come from SciPy's connected components; pieces on different ranks are joined
through the ghost nodes on rank 0. Units: nm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse
from mpi4py import MPI
from scipy.sparse.csgraph import connected_components

import meshing.fenicsx  # noqa: F401
import dolfinx
from dolfinx import fem

from solvers.fe.body import MeshedBody, cell_phase_tags, owned_cell_volumes

__all__ = ["Piece", "pieces", "FloatingPhaseError", "check_one_piece"]


class FloatingPhaseError(ValueError):
    """The body falls apart into pieces that share no node: the message names the floating phases."""


@dataclass(frozen=True)
class Piece:
    """One connected piece of a body.

    Attributes
    ----------
    volume : float
        Its volume (nm^3; nm^2 in 2D).
    cells : int
        Its number of cells.
    phase_volumes : dict of str to float
        Volume of each phase in it (nm^3).
    centroid : tuple of float
        Its volume centroid (nm).
    """

    volume: float
    cells: int
    phase_volumes: dict[str, float]
    centroid: tuple[float, ...]


def _local_components(space: fem.FunctionSpace) -> tuple[int, np.ndarray, np.ndarray]:
    """Connected components of the cell-node graph of this rank: count, label per cell, per node."""
    cells = space.dofmap.list
    num_cells, per_cell = cells.shape
    imap = space.dofmap.index_map
    num_nodes = imap.size_local + imap.num_ghosts
    rows = np.repeat(np.arange(num_cells), per_cell)
    graph = scipy.sparse.coo_matrix((np.ones(rows.size, dtype=np.int8), (rows, num_cells + cells.ravel())),
                                    shape=(num_cells + num_nodes,) * 2)
    count, labels = connected_components(graph, directed=False)
    return count, labels[:num_cells], labels[num_cells:]


def pieces(body: MeshedBody, space: fem.FunctionSpace) -> list[Piece]:
    """The connected pieces of ``body`` in ``space`` (the same on every rank), largest first.

    Parameters
    ----------
    body : MeshedBody
        The phase-tagged mesh.
    space : dolfinx.fem.FunctionSpace
        The space the problem is solved in (e.g. the periodic fold of the displacement space).
    """
    comm: MPI.Comm = body.comm
    count, cell_label, node_label = _local_components(space)
    offset = comm.exscan(count) or 0
    total = comm.allreduce(count)

    # Every ghost node learns the global component of its owner's copy: one edge per ghost node.
    imap = space.dofmap.index_map
    carrier = dolfinx.la.vector(imap, 1, dtype=np.float64)
    carrier.array[: imap.size_local] = offset + node_label[: imap.size_local]
    carrier.scatter_forward()
    ghost_edges = np.column_stack([offset + node_label[imap.size_local:],
                                   np.rint(carrier.array[imap.size_local:]).astype(np.int64)])
    edges = comm.gather(np.unique(ghost_edges, axis=0) if ghost_edges.size else ghost_edges, root=0)

    # What each local component holds (owned cells only, so nothing is counted twice).
    num_owned = body.mesh.topology.index_map(body.dim).size_local
    tags = cell_phase_tags(body)[:num_owned]
    volumes = owned_cell_volumes(body.mesh)
    nodes = body.mesh.geometry.x[body.mesh.geometry.dofmaps[0][:num_owned]].mean(axis=1)[:, : body.dim]
    labels = cell_label[:num_owned]
    phase_index = {tag: k for k, tag in enumerate(body.phases.values())}
    stats = np.zeros((count, 2 + len(body.phases) + body.dim))
    np.add.at(stats[:, 0], labels, volumes)
    np.add.at(stats[:, 1], labels, 1.0)
    for tag, k in phase_index.items():
        mask = tags == tag
        np.add.at(stats[:, 2 + k], labels[mask], volumes[mask])
    np.add.at(stats[:, 2 + len(body.phases):], labels, nodes * volumes[:, None])
    gathered = comm.gather(stats, root=0)

    result: list[Piece] | None = None
    if comm.rank == 0:
        parent = np.arange(total)

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for a, b in np.concatenate([e.reshape(-1, 2) for e in edges]) if edges else ():
            ra, rb = root(int(a)), root(int(b))
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        merged: dict[int, np.ndarray] = {}
        for gid, row in enumerate(np.concatenate(gathered)):
            r = root(gid)
            merged[r] = merged.get(r, 0) + row
        names = list(body.phases)
        result = []
        for row in merged.values():
            if row[1] == 0:
                continue
            result.append(Piece(volume=float(row[0]), cells=int(row[1]),
                                phase_volumes={names[k]: float(row[2 + k]) for k in range(len(names)) if row[2 + k] > 0},
                                centroid=tuple(float(c) for c in row[2 + len(names):] / row[0])))
        result.sort(key=lambda p: -p.volume)
    return comm.bcast(result, root=0)


def check_one_piece(body: MeshedBody, space: fem.FunctionSpace) -> None:
    """Raise :class:`FloatingPhaseError` on every rank when ``body`` is more than one piece in ``space``."""
    found = pieces(body, space)
    if len(found) <= 1:
        return
    descriptions = []
    for piece in found[1:4]:
        phases = ", ".join(f"'{p}'" for p in piece.phase_volumes)
        centre = ", ".join(f"{c:.4g}" for c in piece.centroid)
        descriptions.append(f"a piece of phase {phases} ({piece.cells} cells, volume {piece.volume:.4g} nm^{body.dim}, "
                            f"around ({centre}) nm)")
    more = f" and {len(found) - 4} more" if len(found) > 4 else ""
    floating = sorted({p for piece in found[1:] for p in piece.phase_volumes})
    raise FloatingPhaseError(
        f"phase(s) {floating} float: the mesh is {len(found)} pieces that share no node, and "
        + "; ".join(descriptions) + more
        + " is tied to nothing else. Its rigid-body motions are free, so the problem has no unique solution; "
        "a conforming mesh shares nodes across every interface (check that the phases touch and were fragmented together)"
    )
