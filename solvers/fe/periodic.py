"""Periodic vector spaces on PETSc/DOLFINx, without dolfinx_mpc: fold the dofmap.

A periodic fluctuation ``w`` is a vector Lagrange function whose values on the faces
``x_i = L_i`` equal those on ``x_i = 0``. We build it as a DOLFINx function space of its own:

* every node of the parent space ``V`` not on a max face is a *master*; a node on a max face
  is folded onto its image ``x - sum L_i e_i`` (edges and corners onto one master), found among
  the boundary nodes of every rank with a KD-tree (a node with no image: the mesh is not
  periodic, and every rank raises);
* the masters get a parallel :class:`dolfinx.common.IndexMap` (ghosts where a rank's cells
  touch masters owned elsewhere) and each cell's dofmap is renumbered onto them.

DOLFINx then assembles the periodic operator, which is ``P^T K P`` for the 0/1 prolongation
``P`` from masters to all nodes, directly and in parallel: no PETSc ``MatPtAP`` (measured on
1e6 P2 dofs, 2 ranks: 9.5 s for ``MatPtAP``, which did not speed up from 1 to 2 ranks).
Forms may mix the two spaces (a test function in the periodic space, a coefficient such as the
affine field ``E.x`` in the parent space), and :meth:`PeriodicSpace.prolong` copies a periodic
function back to the parent space. Free macroscopic strains (mixed stress/strain control) can
be appended later as a few global unknowns coupled through vectors ``a(E_k.x, v)`` of this space.
Units: coordinates in nm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from mpi4py import MPI
from scipy.spatial import cKDTree

import meshing.fenicsx  # noqa: F401
import dolfinx
import dolfinx.fem.petsc
import dolfinx.la
from dolfinx import cpp, fem
from petsc4py import PETSc

from meshing.geometry import Box
from solvers.fe.nullspace import orthonormalize, rigid_mode_fields

__all__ = ["PeriodicSpace", "periodic_space", "coordinate_tolerance"]


def coordinate_tolerance(box: Box) -> float:
    """Distance (nm) under which two dof coordinates are the same point (1e-8 of the box)."""
    return 1e-8 * max(box.lengths)


@dataclass(frozen=True, eq=False)
class PeriodicSpace:
    """A vector Lagrange space with periodic values on opposite faces of the box.

    Attributes
    ----------
    space : dolfinx.fem.FunctionSpace
        The periodic space (its dofs are the masters).
    parent : dolfinx.fem.FunctionSpace
        The ordinary space it folds.
    fold : numpy.ndarray of int32, shape (parent local nodes,)
        Local node of ``parent`` (owned and ghost) -> local node of ``space``.
    master_coordinates : numpy.ndarray, shape (owned masters, dim)
        Coordinates (nm) of the locally owned masters, in the order of ``space``.
    """

    space: fem.FunctionSpace
    parent: fem.FunctionSpace
    fold: np.ndarray
    master_coordinates: np.ndarray

    @property
    def num_global_nodes(self) -> int:
        """Global number of periodic (master) nodes."""
        return self.space.dofmap.index_map.size_global

    @property
    def num_unknowns(self) -> int:
        """Global number of unknowns solved for: periodic nodes times the block size."""
        return self.num_global_nodes * self.space.dofmap.index_map_bs

    def remote_folds(self) -> int:
        """Number of this rank's owned parent nodes folded onto a master owned by another rank."""
        num_owned = self.parent.dofmap.index_map.size_local
        return int((self.fold[:num_owned] >= self.space.dofmap.index_map.size_local).sum())

    def prolong(self, w: fem.Function, out: fem.Function) -> fem.Function:
        """Copy the periodic function ``w`` into ``out`` on the parent space (ghosts included)."""
        bs = self.space.dofmap.index_map_bs
        w.x.scatter_forward()
        out.x.array[:] = w.x.array.reshape(-1, bs)[self.fold].ravel()
        return out

    def _vectors(self, fields: list[np.ndarray]) -> list[PETSc.Vec]:
        vectors = []
        for values in fields:
            v = dolfinx.fem.petsc.create_vector(self.space)
            v.array[: values.size] = values.ravel()
            vectors.append(v)
        return orthonormalize(vectors)

    def translations(self) -> list[PETSc.Vec]:
        """Rigid translations of the periodic space: its exact null space (orthonormal)."""
        dim = self.master_coordinates.shape[1]
        return self._vectors(rigid_mode_fields(self.master_coordinates, self.space.mesh.comm)[:dim])

    def near_null_modes(self) -> list[PETSc.Vec]:
        """Rigid translations and rotations sampled at the masters, orthonormal.

        Rotations are not periodic, so they are not in the null space of the periodic
        operator; but locally, on the aggregates of an algebraic multigrid, they are
        low-energy modes, and giving them to GAMG cuts its iterations (measured: 64 -> 45
        for P2, 28 -> 23 for P1).
        """
        return self._vectors(rigid_mode_fields(self.master_coordinates, self.space.mesh.comm))


def _master_columns(x: np.ndarray, box: Box, comm: MPI.Comm) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Global master number of every owned node, which owned nodes are masters, count, offset."""
    L = np.array(box.lengths)
    tol = coordinate_tolerance(box)
    on_max = np.abs(x - L) < tol
    is_slave = on_max.any(axis=1)
    num_masters = int((~is_slave).sum())
    offset = comm.exscan(num_masters) or 0
    columns = np.full(x.shape[0], -1, dtype=np.int64)
    columns[~is_slave] = offset + np.arange(num_masters)

    on_min_master = (x < tol).any(axis=1) & ~is_slave
    candidates = comm.allgather((x[on_min_master], columns[on_min_master]))
    candidate_x = np.concatenate([c[0] for c in candidates]).reshape(-1, x.shape[1])
    candidate_columns = np.concatenate([c[1] for c in candidates])
    images = x[is_slave] - on_max[is_slave] * L
    found = np.zeros(images.shape[0], dtype=bool)
    if images.shape[0] and candidate_x.shape[0]:
        distance, nearest = cKDTree(candidate_x).query(images, distance_upper_bound=tol)
        found = np.isfinite(distance)
        columns[np.flatnonzero(is_slave)[found]] = candidate_columns[nearest[found]]
    # Decide together, so that every rank raises (no rank is left waiting in a collective).
    missing = x[is_slave][~found]
    reports = [r for r in comm.allgather((missing.shape[0], missing[:1].tolist())) if r[0]]
    if reports:
        count = sum(r[0] for r in reports)
        example = np.round(reports[0][1][0], 6).tolist()
        raise RuntimeError(
            f"the mesh is not periodic: {count} node(s) on the max faces have no image on the min faces, "
            f"e.g. the node at {example} nm (tolerance {tol:.1e} nm)"
        )
    return columns, ~is_slave, num_masters, offset


def periodic_space(V: fem.FunctionSpace, box: Box) -> PeriodicSpace:
    """Fold a vector Lagrange space on a periodic mesh into its periodic subspace.

    Parameters
    ----------
    V : dolfinx.fem.FunctionSpace
        Blocked (vector) Lagrange space of any degree on a mesh whose opposite faces match.
    box : Box
        The periodic cell ``[0, L_1] x ...`` (nm).

    Returns
    -------
    PeriodicSpace

    Raises
    ------
    RuntimeError
        On every rank, when a node on a max face has no image on the min faces.
    """
    comm = V.mesh.comm
    dim, bs = box.dim, V.dofmap.index_map_bs
    index_map = V.dofmap.index_map
    num_owned = index_map.size_local
    x = V.tabulate_dof_coordinates()[:, :dim]
    columns, is_master, num_masters, offset = _master_columns(x[:num_owned], box, comm)

    # Ghost nodes learn their master from their owner.
    carrier = dolfinx.la.vector(index_map, 1, dtype=np.float64)
    carrier.array[:num_owned] = columns
    carrier.scatter_forward()
    all_columns = np.rint(carrier.array).astype(np.int64)

    owned = (all_columns >= offset) & (all_columns < offset + num_masters)
    ghosts = np.unique(all_columns[~owned])
    starts = np.array(comm.allgather(offset))
    owners = (np.searchsorted(starts, ghosts, side="right") - 1).astype(np.int32)
    periodic_map = cpp.common.IndexMap(comm, num_masters, ghosts, owners, 0)
    fold = np.empty(all_columns.size, dtype=np.int32)
    fold[owned] = all_columns[owned] - offset
    fold[~owned] = num_masters + np.searchsorted(ghosts, all_columns[~owned])

    cells = cpp.graph.AdjacencyList_int32(np.ascontiguousarray(fold[V.dofmap.list]))
    dofmap = cpp.fem.DofMap(V.dofmap.dof_layout, periodic_map, bs, cells, bs)
    cpp_space = cpp.fem.FunctionSpace_float64(V.mesh._cpp_object, V.element._cpp_object, dofmap)
    W = fem.FunctionSpace(V.mesh, V.ufl_element(), cpp_space)
    return PeriodicSpace(space=W, parent=V, fold=fold, master_coordinates=x[:num_owned][is_master])
