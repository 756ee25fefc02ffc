"""Bionic leaf: a crystalline vein skeleton (hexagonal or random Voronoi network) embedded in an
amorphous nanosheet ("vein-mesophyll" crystal-amorphous composite).

The sheet is cut into the cells of a periodic 2D Voronoi network; every cell is shrunk by half
the vein width on each side, and the continuous network left between the cells is the vein
skeleton: veins of exactly ``vein_width`` along every edge, joined by mitred (polygonal) nodes.
``network = "hexagonal"`` gives a honeycomb of cells ``vein_spacing`` apart (centre to centre,
two hexagons per periodic cell); ``"voronoi"`` gives ``cells`` random cells with the same area
per cell. 2D (plane strain) by default; ``sheet_thickness`` gives a thin 3D sheet (veins through
its thickness, periodic stacking along x3). Units: nm.
"""

from __future__ import annotations

import math

import numpy as np

from meshing.geometry import Box, PeriodicGeometry, ThinFeature, check_positive
from meshing.shapes import Prism
from meshing.voronoi import periodic_seeds, periodic_voronoi_cells, shrink_cell

__all__ = ["bionic_leaf_geometry", "NETWORKS"]

NETWORKS = ("hexagonal", "voronoi")


def bionic_leaf_geometry(
    vein_width: float,
    vein_spacing: float,
    network: str = "hexagonal",
    cells: int = 6,
    regularity: float = 0.5,
    sheet_thickness: float | None = None,
    seed: int = 0,
    vein_phase: str = "vein",
    sheet_phase: str = "sheet",
) -> PeriodicGeometry:
    """Geometry of a vein network in a sheet.

    Parameters
    ----------
    vein_width : float
        Width of the veins (nm), less than a third of the spacing.
    vein_spacing : float
        Distance between the centres of neighbouring cells of the network (nm).
    network : {"hexagonal", "voronoi"}
        Honeycomb (a periodic cell of 2 hexagons) or random Voronoi network.
    cells : int
        Number of Voronoi cells (random network), >= 2.
    regularity : float
        Seed regularity of the random network, [0, 0.85].
    sheet_thickness : float, optional
        Give it for a thin 3D sheet (nm); omit for 2D.
    seed : int
        Random seed.
    vein_phase, sheet_phase : str
        Phase names (crystalline veins, amorphous sheet).

    Returns
    -------
    PeriodicGeometry
        The veins are its continuous (matrix) phase, declared as a thin feature of
        ``vein_width``.
    """
    check_positive("vein_width", vein_width)
    check_positive("vein_spacing", vein_spacing)
    if network not in NETWORKS:
        raise ValueError(f"network='{network}' is not known; allowed: {', '.join(NETWORKS)}")
    if vein_width >= vein_spacing / 3:
        raise ValueError(f"vein_width={vein_width} nm is too wide for vein_spacing={vein_spacing} nm; "
                         f"must be < spacing / 3 = {vein_spacing / 3:.4g} nm")
    if vein_phase == sheet_phase:
        raise ValueError(f"vein_phase and sheet_phase must differ; both are '{vein_phase}'")
    if network == "hexagonal":
        lengths = (vein_spacing, vein_spacing * math.sqrt(3))
        seeds = np.array([[0.25, 0.25], [0.75, 0.75]]) * np.array(lengths)
    else:
        if not (isinstance(cells, int) and cells >= 2):
            raise ValueError(f"cells={cells!r} must be an integer >= 2")
        side = vein_spacing * math.sqrt(cells * math.sqrt(3) / 2)  # same area per cell as the honeycomb
        lengths = (side, side)
        seeds = periodic_seeds(cells, lengths, regularity, np.random.default_rng(seed))
    polygons = [shrink_cell(point, vertices, vein_width / 2)
                for point, vertices in zip(seeds, periodic_voronoi_cells(seeds, lengths), strict=True)]
    veins = (ThinFeature(vein_phase, vein_width, "veins"),)
    if sheet_thickness is None:
        shapes = tuple(Prism(sheet_phase, tuple(map(tuple, p))) for p in polygons)
        return PeriodicGeometry(Box(lengths), vein_phase, shapes, veins)
    check_positive("sheet_thickness", sheet_thickness)
    # The cells run through the sheet: they reach 10 % beyond both faces and their images close them.
    lo, hi = -0.1 * sheet_thickness, 1.1 * sheet_thickness
    shapes = tuple(Prism(sheet_phase, tuple(map(tuple, p)), lo, hi) for p in polygons)
    return PeriodicGeometry(Box((*lengths, sheet_thickness)), vein_phase, shapes, veins)
