"""Laminate RVE: flat layers stacked along the last axis (x2 in 2D, x3 in 3D).

Units: lengths in nm.
"""

from __future__ import annotations

from collections.abc import Sequence

from mpi4py import MPI

from meshing.geometry import Box, PeriodicGeometry
from meshing.shapes import Slab
from meshing.settings import MeshSettings

__all__ = ["laminate_geometry", "laminate"]


def laminate_geometry(
    thicknesses: Sequence[float],
    phases: Sequence[str],
    width: Sequence[float],
    height: float | None = None,
) -> PeriodicGeometry:
    """Geometry of N flat layers normal to the last axis.

    Parameters
    ----------
    thicknesses : sequence of float
        Layer thicknesses (nm), bottom to top, each > 0.
    phases : sequence of str
        Phase name of each layer (names may repeat: "A", "B", "A", ...).
    width : sequence of float
        In-plane box lengths (nm): 1 entry for a 2D RVE (x1), 2 for 3D (x1, x2).
    height : float, optional
        Box length along the stacking axis (nm); when given it must equal the sum of the
        thicknesses, otherwise the layers would overlap or leave a gap.

    Returns
    -------
    PeriodicGeometry
    """
    thicknesses = [float(t) for t in thicknesses]
    if len(thicknesses) == 0 or len(thicknesses) != len(phases):
        raise ValueError(
            f"laminate needs one phase per layer: got {len(thicknesses)} thicknesses and {len(phases)} phases"
        )
    for k, t in enumerate(thicknesses):
        if not t > 0:
            raise ValueError(f"laminate thicknesses[{k}]={t} nm is not allowed; must be > 0")
    total = sum(thicknesses)
    if height is not None and abs(height - total) > 1e-9 * max(height, total):
        raise ValueError(
            f"laminate layers add up to {total:g} nm but the box height is {height:g} nm: "
            f"the layers would {'overlap' if total > height else 'leave a gap'}; make them add up to the height"
        )
    box = Box((*width, total))
    axis = box.dim - 1
    layers, z = [], 0.0
    for t, phase in zip(thicknesses, phases, strict=True):
        layers.append(Slab(phase=phase, axis=axis, lower=z, upper=min(z + t, total), box=box))
        z += t
    return PeriodicGeometry(box=box, matrix_phase=None, shapes=tuple(layers))


def laminate(
    thicknesses: Sequence[float],
    phases: Sequence[str],
    width: Sequence[float],
    mesh: MeshSettings,
    height: float | None = None,
    comm: MPI.Comm = MPI.COMM_WORLD,
):
    """Meshed laminate RVE (see :func:`laminate_geometry` for the parameters).

    Returns
    -------
    meshing.rve.RVE
    """
    from meshing.rve import build_rve

    return build_rve(laminate_geometry(thicknesses, phases, width, height), mesh, comm)
