"""Crack-mouth opening of a notched specimen (CMOD): a linear functional of the displacement.

The gauge reads the displacement of the two notch flanks where they meet the specimen's face
(the slot's mouth corners; mid-thickness in 3D) along the notch's width direction, and returns
their difference: positive when the notch opens. It is what a clip gauge measures on a fracture
specimen, and what ASTM E399 / E1820 tests control when the load-point displacement would let
the crack run unstably. Units: nm.
"""

from __future__ import annotations

import numpy as np
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
from dolfinx import fem

__all__ = ["CrackMouthGauge", "mouth_corners"]


def mouth_corners(notch, outline) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The notch flanks' corners on the face it is cut from (nm): (lower, upper) along the notch's width."""
    axis, tangent = notch.axis, notch.tangent
    corners = []
    for offset in (-0.5 * notch.width, 0.5 * notch.width):
        point = [0.0] * outline.dim
        point[axis] = 0.0 if notch.face.endswith("min") else outline.lengths[axis]
        point[tangent] = notch.position + offset
        if outline.dim == 3:
            point[2] = outline.lengths[2] / 2
        corners.append(tuple(point))
    return corners[0], corners[1]


class CrackMouthGauge:
    """The crack-mouth opening of a notch, ``u_t(upper corner) - u_t(lower corner)`` (nm).

    Parameters
    ----------
    V : dolfinx.fem.FunctionSpace
        Vector displacement space of the specimen.
    notch : meshing.specimen.Notch
    outline : meshing Box
        The specimen's outline (nm).

    Raises
    ------
    ValueError
        When no displacement node lies within half the notch width of a mouth corner.
    """

    def __init__(self, V: fem.FunctionSpace, notch, outline) -> None:
        self.comm = V.mesh.comm
        self.corners = mouth_corners(notch, outline)
        component, parent = V.sub(notch.tangent).collapse()
        owned = component.dofmap.index_map.size_local
        x = component.tabulate_dof_coordinates()[:owned, :outline.dim]
        parent = np.asarray(parent).reshape(-1)[:owned]
        self._dofs: list[int | None] = []
        for corner in self.corners:
            distance = np.linalg.norm(x - np.asarray(corner), axis=1) if owned else np.empty(0)
            local = float(distance.min()) if distance.size else np.inf
            found = self.comm.allgather(local)
            owner = int(np.argmin(found))
            if not found[owner] <= 0.5 * notch.width:
                raise ValueError(f"no displacement node lies within {0.5 * notch.width:g} nm (half the notch width) of "
                                 f"the notch mouth corner {corner} nm; the nearest is {found[owner]:.3g} nm away")
            self._dofs.append(int(parent[int(np.argmin(distance))]) if self.comm.rank == owner else None)

    def value(self, u: fem.Function) -> float:
        """The opening of ``u`` (nm), the same on every rank."""
        lower, upper = (float(u.x.array[d]) if d is not None else 0.0 for d in self._dofs)
        return float(self.comm.allreduce(upper - lower, op=MPI.SUM))
