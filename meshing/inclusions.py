"""Single-inclusion RVE: one sphere (3D) or disc (2D) of given volume fraction in a matrix.

The periodic array it stands for is simple cubic (square in 2D) when the box is a cube.
Units: lengths in nm.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from mpi4py import MPI

from meshing.geometry import Box, PeriodicGeometry, thin_ligament
from meshing.shapes import Ball
from meshing.settings import MeshSettings

__all__ = ["inclusion_geometry", "inclusions", "max_single_inclusion_fraction"]


def max_single_inclusion_fraction(box: Box) -> float:
    """Largest volume fraction one ball can take in ``box`` without touching its periodic images."""
    radius = min(box.lengths) / 2
    ball = math.pi * radius**2 if box.dim == 2 else 4 / 3 * math.pi * radius**3
    return ball / box.volume


def inclusion_geometry(
    volume_fraction: float,
    box: Sequence[float],
    center: Sequence[float] | None = None,
    matrix_phase: str = "matrix",
    inclusion_phase: str = "inclusion",
) -> PeriodicGeometry:
    """Geometry of one spherical (3D) or circular (2D) inclusion.

    Parameters
    ----------
    volume_fraction : float
        Inclusion volume fraction, in (0, f_max) with f_max = pi/6 for a cube
        (pi/4 for a square): above it the inclusion would overlap its periodic images.
    box : sequence of float
        Box lengths (nm), 2 or 3 entries.
    center : sequence of float, optional
        Inclusion centre (nm); default the box centre. Off-centre inclusions are wrapped
        periodically across the box faces.
    matrix_phase, inclusion_phase : str
        Phase names.

    Returns
    -------
    PeriodicGeometry
    """
    cell = Box(tuple(box))
    f_max = max_single_inclusion_fraction(cell)
    if not (0 < volume_fraction < f_max):
        raise ValueError(
            f"volume_fraction={volume_fraction} is outside (0, {f_max:.4f}): a single "
            f"{'disc' if cell.dim == 2 else 'sphere'} in a {' x '.join(f'{v:g}' for v in cell.lengths)} nm box "
            f"would overlap its periodic images"
        )
    if matrix_phase == inclusion_phase:
        raise ValueError(f"matrix_phase and inclusion_phase must differ; both are '{matrix_phase}'")
    target = volume_fraction * cell.volume
    radius = math.sqrt(target / math.pi) if cell.dim == 2 else (3 * target / (4 * math.pi)) ** (1 / 3)
    centre = tuple(v / 2 for v in cell.lengths) if center is None else tuple(float(c) for c in center)
    if len(centre) != cell.dim:
        raise ValueError(f"center={list(centre)} must have {cell.dim} coordinates (nm)")
    ligament = thin_ligament(matrix_phase, min(cell.lengths) - 2 * radius, 2 * radius,
                             "matrix between the inclusion and its periodic images")
    return PeriodicGeometry(box=cell, matrix_phase=matrix_phase, shapes=(Ball(inclusion_phase, centre, radius),),
                            thin_features=ligament)


def inclusions(
    volume_fraction: float,
    box: Sequence[float],
    mesh: MeshSettings,
    center: Sequence[float] | None = None,
    matrix_phase: str = "matrix",
    inclusion_phase: str = "inclusion",
    comm: MPI.Comm = MPI.COMM_WORLD,
):
    """Meshed single-inclusion RVE (see :func:`inclusion_geometry` for the parameters).

    Returns
    -------
    meshing.rve.RVE
    """
    from meshing.rve import build_rve

    geometry = inclusion_geometry(volume_fraction, box, center, matrix_phase, inclusion_phase)
    return build_rve(geometry, mesh, comm)
