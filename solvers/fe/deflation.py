"""Deflation of the rigid-body modes of stiff bodies: a preconditioner for thin, soft layers.

When stiff bodies (tablets, wires, grains) are separated by thin layers that are much softer,
each body moving rigidly costs almost no energy: those motions are the smallest eigenvalues of
the operator, and they fall with the stiffness contrast. Algebraic multigrid aggregates across
the layers and does not see them, so its Krylov iterations grow with the contrast. Deflation
removes them exactly (Nicolaides 1987; Vuik, Segal and Meijerink 1999 for layered media):
with ``W`` the translations and rotations of every stiff body (columns zero outside it),

    x0 = W E^-1 W^T b,    P = I - A W E^-1 W^T,    E = W^T A W (a few dozen unknowns),

and CG runs on the deflated residuals with ``z = M^-1 r - W E^-1 W^T A M^-1 r``, where ``M`` is
the usual multigrid preconditioner.

Stiff bodies are the connected pieces of the cells whose phase is at least :data:`STIFF_CONTRAST`
times stiffer than the softest phase, connected through the nodes of the space the problem is
solved in (so through periodicity too). A body that wraps around the periodic cell along an axis
(a continuous sheet) cannot rotate about the axes normal to it; its rotations involving that
axis are left out. Units: nm, GPa.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scipy.linalg
import scipy.sparse
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
from dolfinx import fem
from petsc4py import PETSc

from solvers.fe.body import MeshedBody, cell_phase_tags
from solvers.fe.connectivity import node_components
from solvers.fe.nullspace import rigid_mode_fields
from solvers.micromechanics.materials import Material

__all__ = ["STIFF_CONTRAST", "stiffness_contrast", "stiff_phases", "rigid_body_space", "Deflation"]

#: A phase at least this many times stiffer (Frobenius norm of C) than the softest is stiff.
STIFF_CONTRAST = 10.0

#: Bins per axis when looking for the gap that a body leaves in the periodic cell.
_BINS = 4096


def stiffness_contrast(materials: Mapping[str, Material]) -> float:
    """Largest over smallest Frobenius norm of the phases' stiffness (1 for one phase)."""
    norms = [float(np.linalg.norm(m.stiffness)) for m in materials.values()]
    return max(norms) / min(norms)


def stiff_phases(materials: Mapping[str, Material]) -> list[str]:
    """The phases at least :data:`STIFF_CONTRAST` times stiffer than the softest (none when none is)."""
    norms = {phase: float(np.linalg.norm(m.stiffness)) for phase, m in materials.items()}
    softest = min(norms.values())
    return sorted(p for p, n in norms.items() if n >= STIFF_CONTRAST * softest)


def _widest_gap(occupied: np.ndarray) -> float | None:
    """Middle (in bins, from 0) of the longest circular run of empty bins, None if every bin is occupied."""
    if occupied.all():
        return None
    empty = np.concatenate([[False], ~occupied, ~occupied, [False]])
    edges = np.flatnonzero(np.diff(empty.astype(np.int8)))
    starts, ends = edges[::2], edges[1::2]          # runs [start, end) in the doubled array
    k = int(np.argmax(ends - starts))
    return ((starts[k] + ends[k] - 1) / 2.0) % occupied.size


def _cuts(body: MeshedBody, cell_labels: np.ndarray, count: int, lengths: Sequence[float], comm: MPI.Comm) -> np.ndarray:
    """Per body and axis, a coordinate (nm) inside the widest gap the body's cells leave, NaN if none.

    Each cell covers the bins between its lowest and highest vertex (cells of the mesh never
    wrap around the cell), so the spacing of the nodes is never taken for a gap.
    """
    dim = len(lengths)
    marks = np.zeros((count, dim, _BINS + 1), dtype=np.int64)
    mine = np.flatnonzero(cell_labels >= 0)
    vertices = body.mesh.geometry.x[body.mesh.geometry.dofmaps[0][mine]][:, :, :dim]
    for axis, length in enumerate(lengths):
        low = np.clip(np.floor(vertices[:, :, axis].min(axis=1) / length * _BINS), 0, _BINS - 1).astype(np.int64)
        high = np.clip(np.ceil(vertices[:, :, axis].max(axis=1) / length * _BINS), 1, _BINS).astype(np.int64)
        np.add.at(marks, (cell_labels[mine], axis, low), 1)
        np.add.at(marks, (cell_labels[mine], axis, high), -1)
    occupied = (np.cumsum(marks, axis=2)[:, :, :_BINS] > 0).astype(np.uint8)
    comm.Allreduce(MPI.IN_PLACE, occupied, op=MPI.MAX)
    cuts = np.full((count, dim), np.nan)
    for b in range(count):
        for axis, length in enumerate(lengths):
            middle = _widest_gap(occupied[b, axis].astype(bool))
            if middle is not None:
                cuts[b, axis] = (middle + 0.5) / _BINS * length
    return cuts


def rigid_body_space(space: fem.FunctionSpace, coordinates: np.ndarray, body: MeshedBody,
                     materials: Mapping[str, Material], lengths: Sequence[float] | None) -> PETSc.Mat | None:
    """The deflation space: the rigid modes of every stiff body, one column each.

    Parameters
    ----------
    space : dolfinx.fem.FunctionSpace
        Vector space of the unknown (the periodic fold for periodic cells).
    coordinates : numpy.ndarray, shape (owned nodes, dim)
        Coordinates (nm) of the owned nodes of ``space``, in its order (for a fold, the masters).
    body : MeshedBody
        The phase-tagged mesh.
    materials : mapping of str to Material
        Material of every phase (GPa).
    lengths : sequence of float or None
        The periodic cell's lengths (nm), or None for a body that is not periodic.

    Returns
    -------
    petsc4py.PETSc.Mat or None
        ``W`` (rows: the unknowns of ``space``, columns: the modes; AIJ), or None when no phase
        is stiff, or when the stiff bodies hold every node (nothing soft lies between them, so
        their translations would add up to the null space of a periodic operator).
    """
    comm = body.comm
    stiff = stiff_phases(materials)
    if not stiff or len(stiff) == len(materials):
        return None
    cells = np.isin(cell_phase_tags(body), [body.phases[p] for p in stiff])
    count, node_labels = node_components(space, cells)
    labels = node_labels[: space.dofmap.index_map.size_local]
    if count == 0 or comm.allreduce(int((labels < 0).sum())) == 0:
        return None
    dim = coordinates.shape[1]
    x = coordinates.copy()
    if lengths is not None:
        cell_labels = np.where(cells, node_labels[space.dofmap.list[:, 0]], -1)
        cuts = _cuts(body, cell_labels, count, lengths, comm)
    else:
        cuts = np.zeros((count, dim))
    wraps = np.isnan(cuts)
    columns: list[np.ndarray] = []   # per mode: values at the owned nodes, shape (nodes, dim)
    for b in range(count):
        mine = labels == b
        local = x[mine]
        if lengths is not None:
            for axis, length in enumerate(lengths):
                if not wraps[b, axis]:
                    local[:, axis] = (local[:, axis] - cuts[b, axis]) % length
        # dim translations, then the rotations in the planes below (rigid_mode_fields' order);
        # a body that wraps around an axis cannot turn in a plane containing it.
        planes = [(0, 1)] if dim == 2 else [(0, 1), (1, 2), (2, 0)]
        for k, field in enumerate(rigid_mode_fields(local, comm)):
            if k >= dim and lengths is not None and wraps[b, list(planes[k - dim])].any():
                continue
            mode = np.zeros((x.shape[0], dim))
            mode[mine] = field
            columns.append(mode)
    dense = np.column_stack([c.ravel() for c in columns])
    sparse = scipy.sparse.csr_matrix(dense)
    rows = space.dofmap.index_map.size_local * space.dofmap.index_map_bs
    ncols = dense.shape[1]
    W = PETSc.Mat().createAIJ(size=((rows, PETSc.DETERMINE), (ncols if comm.rank == 0 else 0, ncols)),
                              csr=(sparse.indptr.astype(PETSc.IntType), sparse.indices.astype(PETSc.IntType), sparse.data),
                              comm=comm)
    W.assemble()
    return W


class Deflation:
    """Python context of a PETSc ``PCPYTHON``: the deflated preconditioner of a multigrid PC.

    Parameters
    ----------
    W : petsc4py.PETSc.Mat
        Deflation space (:func:`rigid_body_space`).
    inner : petsc4py.PETSc.PC
        The preconditioner ``M`` that is deflated (set up on the same operator).
    """

    def __init__(self, W: PETSc.Mat, inner: PETSc.PC) -> None:
        self.W = W
        self.inner = inner
        self.WtA: PETSc.Mat | None = None
        self._factor = None
        self._coarse: PETSc.Vec | None = None
        self._fine: PETSc.Vec | None = None

    def setUp(self, pc: PETSc.PC) -> None:  # noqa: N802 (petsc4py's name)
        A, _ = pc.getOperators()
        if self.WtA is not None:
            self.WtA.destroy()
        self.WtA = self.W.transposeMatMult(A)
        E = self.WtA.matMult(self.W)
        dense = E.convert("dense")
        comm = E.getComm().tompi4py()
        rows = [part for part in comm.allgather(dense.getDenseArray().copy()) if part.size]
        dense.destroy()
        E.destroy()
        coarse = np.concatenate(rows)
        self._factor = scipy.linalg.cho_factor(0.5 * (coarse + coarse.T))
        self._coarse, self._fine = self.W.createVecs()
        self.inner.setUp()

    def _correction(self, out: PETSc.Vec) -> None:
        """``out = W E^-1 c`` for the coarse vector ``c`` held in ``self._coarse``."""
        comm = self._coarse.getComm().tompi4py()
        values = np.concatenate([v for v in comm.allgather(self._coarse.getArray(readonly=True).copy()) if v.size])
        solution = scipy.linalg.cho_solve(self._factor, values)
        start, end = self._coarse.getOwnershipRange()
        self._coarse.getArray()[:] = solution[start:end]
        self.W.mult(self._coarse, out)

    def initial_guess(self, b: PETSc.Vec, x: PETSc.Vec) -> None:
        """``x = W E^-1 W^T b``: the solution's component in the deflation space."""
        self.W.multTranspose(b, self._coarse)
        self._correction(x)

    def apply(self, pc: PETSc.PC, r: PETSc.Vec, z: PETSc.Vec) -> None:
        """``z = M^-1 r - W E^-1 W^T A M^-1 r``."""
        self.inner.apply(r, z)
        self.WtA.mult(z, self._coarse)
        self._correction(self._fine)
        z.axpy(-1.0, self._fine)

    def destroy(self, pc: PETSc.PC | None = None) -> None:
        for obj in (self.WtA, self._coarse, self._fine):
            if obj is not None:
                obj.destroy()
        self.inner.destroy()
