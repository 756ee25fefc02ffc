"""Rigid-body modes of a vector Lagrange space, as orthonormal PETSc vectors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import meshing.fenicsx  # noqa: F401
import dolfinx
import dolfinx.fem.petsc
from petsc4py import PETSc

__all__ = ["rigid_body_modes", "rigid_mode_fields", "orthonormalize"]


def orthonormalize(vectors: Sequence[PETSc.Vec]) -> list[PETSc.Vec]:
    """Modified Gram-Schmidt in place (global inner products); returns the vectors."""
    for i, v in enumerate(vectors):
        for u in vectors[:i]:
            v.axpy(-v.dot(u), u)
        v.normalize()
    return list(vectors)


def rigid_mode_fields(x: np.ndarray, comm) -> list[np.ndarray]:
    """Translations and infinitesimal rotations (about the centroid) sampled at points ``x``.

    Parameters
    ----------
    x : numpy.ndarray, shape (n, dim)
        Locally owned point coordinates (nm).
    comm : MPI.Comm
        Communicator over which the centroid is taken.

    Returns
    -------
    list of numpy.ndarray, shape (n, dim)
        ``dim`` translations then 1 (2D) or 3 (3D) rotations.
    """
    n, dim = x.shape
    x = x - comm.allreduce(x.sum(axis=0)) / max(comm.allreduce(n), 1)
    fields = [np.tile(np.eye(dim)[c], (n, 1)) for c in range(dim)]
    zero = np.zeros(n)
    if dim == 2:
        return fields + [np.column_stack([-x[:, 1], x[:, 0]])]
    return fields + [
        np.column_stack([-x[:, 1], x[:, 0], zero]),
        np.column_stack([zero, -x[:, 2], x[:, 1]]),
        np.column_stack([x[:, 2], zero, -x[:, 0]]),
    ]


def rigid_body_modes(V: dolfinx.fem.FunctionSpace) -> list[PETSc.Vec]:
    """Translations and infinitesimal rotations of ``V`` (3 + 3 in 3D, 2 + 1 in 2D), orthonormal.

    Parameters
    ----------
    V : dolfinx.fem.FunctionSpace
        Blocked (vector) Lagrange space; coordinates in nm.

    Returns
    -------
    list of petsc4py.PETSc.Vec
    """
    dim = V.mesh.geometry.dim
    num_owned = V.dofmap.index_map.size_local
    x = V.tabulate_dof_coordinates()[:num_owned, :dim]
    modes = []
    for values in rigid_mode_fields(x, V.mesh.comm):
        v = dolfinx.fem.petsc.create_vector(V)
        v.array[: num_owned * dim] = values.ravel()
        modes.append(v)
    return orthonormalize(modes)
