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

__all__ = ["Piece", "pieces", "node_components", "connected_nodes", "FloatingPhaseError", "check_one_piece"]


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


def _local_components(space: fem.FunctionSpace, cells: np.ndarray | None = None) -> tuple[int, np.ndarray, np.ndarray]:
    """Connected components of the cell-node graph of this rank: count, label per cell, per node.

    With ``cells`` (a mask over the local cells), only those cells tie nodes together; a node of
    none of them is a component of its own.
    """
    dofs = space.dofmap.list
    num_cells, per_cell = dofs.shape
    imap = space.dofmap.index_map
    num_nodes = imap.size_local + imap.num_ghosts
    kept = np.arange(num_cells) if cells is None else np.flatnonzero(cells)
    rows = np.repeat(kept, per_cell)
    graph = scipy.sparse.coo_matrix((np.ones(rows.size, dtype=np.int8), (rows, num_cells + dofs[kept].ravel())),
                                    shape=(num_cells + num_nodes,) * 2)
    count, labels = connected_components(graph, directed=False)
    return count, labels[:num_cells], labels[num_cells:]


def _ghost_edges(space: fem.FunctionSpace, node_label: np.ndarray, offset: int) -> np.ndarray:
    """(this rank's global component, the owner's global component) of every ghost node, unique rows."""
    imap = space.dofmap.index_map
    carrier = dolfinx.la.vector(imap, 1, dtype=np.float64)
    carrier.array[: imap.size_local] = offset + node_label[: imap.size_local]
    carrier.scatter_forward()
    edges = np.column_stack([offset + node_label[imap.size_local:], np.rint(carrier.array[imap.size_local:]).astype(np.int64)])
    return np.unique(edges, axis=0) if edges.size else edges.reshape(-1, 2)


def _roots(total: int, edges: list[np.ndarray]) -> np.ndarray:
    """The merged component of each of ``total`` components joined by ``edges`` (rows of pairs)."""
    pairs = np.concatenate([e.reshape(-1, 2) for e in edges]) if edges else np.zeros((0, 2), dtype=np.int64)
    graph = scipy.sparse.coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(total, total))
    return connected_components(graph, directed=False)[1]


def node_components(space: fem.FunctionSpace, cells: np.ndarray) -> tuple[int, np.ndarray]:
    """Connected bodies made of the marked cells, and the body of every owned node.

    Parameters
    ----------
    space : dolfinx.fem.FunctionSpace
        The space the problem is solved in (nodes joined through periodicity in a fold are one).
    cells : numpy.ndarray of bool
        Mask over the local cells (owned and ghost) of the cells that make up the bodies.

    Returns
    -------
    count : int
        Number of bodies (the same on every rank).
    labels : numpy.ndarray of int
        Body (0..count-1) of every local node (owned, then ghost), -1 for nodes of no marked cell.
    """
    comm = space.mesh.comm
    count, _, node_label = _local_components(space, cells)
    imap = space.dofmap.index_map
    dofs = space.dofmap.list
    touched = np.zeros(imap.size_local + imap.num_ghosts, dtype=bool)
    touched[dofs[cells].ravel()] = True
    offset = comm.exscan(count) or 0
    total = comm.allreduce(count)
    edges = comm.gather(_ghost_edges(space, node_label, offset), root=0)
    # A ghost node touched here but not by its owner (or the reverse) still joins the two labels:
    # the owner's label then stands for an untouched node, which is dropped below.
    in_body = comm.gather(np.unique(offset + node_label[touched]), root=0)
    numbering = None
    if comm.rank == 0:
        roots = _roots(total, edges)
        bodies = np.unique(roots[np.concatenate(in_body)])
        numbering = np.full(total, -1, dtype=np.int64)
        numbering[np.isin(roots, bodies)] = np.searchsorted(bodies, roots[np.isin(roots, bodies)])
        count_bodies = bodies.size
    else:
        count_bodies = None
    numbering = comm.bcast(numbering, root=0)
    carrier = dolfinx.la.vector(imap, 1, dtype=np.float64)
    carrier.array[: imap.size_local] = numbering[offset + node_label[: imap.size_local]]
    carrier.scatter_forward()
    return int(comm.bcast(count_bodies, root=0)), np.rint(carrier.array).astype(np.int64)


def connected_nodes(space: fem.FunctionSpace, cells: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """The local nodes joined to any seed node through the marked cells (every rank's seeds count).

    Parameters
    ----------
    space : dolfinx.fem.FunctionSpace
    cells : numpy.ndarray of bool
        Mask over the local cells (owned and ghost), e.g. the broken cells of a damage field.
    seeds : numpy.ndarray of int
        Local node indices (owned or ghost) on this rank, e.g. the nodes of a notch's faces.

    Returns
    -------
    numpy.ndarray of bool
        Mask over the local nodes (owned, then ghost): in a body of marked cells that holds a seed.
    """
    comm = space.mesh.comm
    count, labels = node_components(space, cells)
    mine = np.unique(labels[np.asarray(seeds, dtype=np.int64)])
    hit = np.zeros(count + 1, dtype=bool)              # the last entry stands for "in no body" (-1)
    hit[np.concatenate(comm.allgather(mine[mine >= 0])).astype(np.int64)] = True
    return hit[labels]


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
    edges = comm.gather(_ghost_edges(space, node_label, offset), root=0)

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
        roots = _roots(total, edges)
        merged: dict[int, np.ndarray] = {}
        for gid, row in enumerate(np.concatenate(gathered)):
            r = int(roots[gid])
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
