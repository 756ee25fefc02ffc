"""What the FE core needs of a meshed body: an RVE (periodic cell) or a specimen (finite body).

Both :class:`meshing.rve.RVE` and :class:`meshing.specimen_mesh.Specimen` satisfy
:class:`MeshedBody`; the FE core and the analyses take either where the physics allows.
Units: lengths nm, volumes nm^3 (nm^2 in 2D).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
import dolfinx

from meshing.rve import cell_volumes

__all__ = ["MeshedBody", "cell_phase_tags", "owned_phase_tags", "owned_cell_volumes"]


@runtime_checkable
class MeshedBody(Protocol):
    """A distributed, phase-tagged mesh."""

    mesh: dolfinx.mesh.Mesh
    cell_tags: dolfinx.mesh.MeshTags
    facet_tags: dolfinx.mesh.MeshTags
    phases: dict[str, int]

    @property
    def dim(self) -> int:
        """Spatial dimension (2 or 3)."""

    @property
    def comm(self) -> MPI.Comm:
        """The communicator the mesh lives on."""

    @property
    def volume(self) -> float:
        """Volume of the body (nm^3; nm^2 in 2D)."""


def cell_phase_tags(body: MeshedBody) -> np.ndarray:
    """Phase tag of every local cell (owned and ghost), int32."""
    imap = body.mesh.topology.index_map(body.dim)
    tags = np.zeros(imap.size_local + imap.num_ghosts, dtype=np.int32)
    tags[body.cell_tags.indices] = body.cell_tags.values
    return tags


def owned_phase_tags(body: MeshedBody) -> np.ndarray:
    """Phase tag of every locally owned cell."""
    return cell_phase_tags(body)[: body.mesh.topology.index_map(body.dim).size_local]


def owned_cell_volumes(mesh: dolfinx.mesh.Mesh) -> np.ndarray:
    """Volumes (nm^3; areas in 2D) of the locally owned cells of an affine simplex mesh."""
    return cell_volumes(mesh)
