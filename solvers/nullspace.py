"""Rigid-body modes of a vector Lagrange space, as orthonormal PETSc vectors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import meshing.fenicsx  # noqa: F401
import dolfinx
from petsc4py import PETSc

__all__ = ["rigid_body_modes", "orthonormalize"]


def orthonormalize(vectors: Sequence[PETSc.Vec]) -> list[PETSc.Vec]:
    """Modified Gram-Schmidt in place (global inner products); returns the vectors."""
    for i, v in enumerate(vectors):
        for u in vectors[:i]:
            v.axpy(-v.dot(u), u)
        v.normalize()
    return list(vectors)


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
    x = x - V.mesh.comm.allreduce(x.sum(axis=0)) / max(V.mesh.comm.allreduce(num_owned), 1)
    fields = [np.eye(dim)[c] * np.ones((num_owned, 1)) for c in range(dim)]
    if dim == 2:
        fields.append(np.column_stack([-x[:, 1], x[:, 0]]))
    else:
        fields += [
            np.column_stack([-x[:, 1], x[:, 0], np.zeros(num_owned)]),
            np.column_stack([np.zeros(num_owned), -x[:, 2], x[:, 1]]),
            np.column_stack([x[:, 2], np.zeros(num_owned), -x[:, 0]]),
        ]
    modes = []
    for values in fields:
        v = dolfinx.fem.petsc.create_vector(V)
        v.array[: num_owned * dim] = values.ravel()
        modes.append(v)
    return orthonormalize(modes)
