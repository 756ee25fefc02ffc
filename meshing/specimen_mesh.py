"""The specimen: a distributed DOLFINx mesh of a finite, notched body with phase and boundary tags.

Built like an RVE (:mod:`meshing.distribute`: meshed on rank 0, distributed region by region),
but the body is the specimen outline minus its notches, so its meshed volume is checked against
that. Units: nm.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
import dolfinx

from meshing.distribute import distribute_model
from meshing.periodic_model import check_resolution
from meshing.rve import meshed_phase_volumes
from meshing.settings import MeshSettings
from meshing.specimen import SpecimenGeometry
from meshing.specimen_model import GmshSpecimenInfo, build_specimen_model

__all__ = ["Specimen", "build_specimen", "VOLUME_TOLERANCE"]

log = logging.getLogger("amorfem.meshing")

#: Largest relative difference between the meshed and the exact volume of a specimen: affine
#: cells inscribed in a round notch tip lose a little of it, a lost or doubled region much more.
VOLUME_TOLERANCE = 1e-3


@dataclass(frozen=True, eq=False)
class Specimen:
    """A meshed finite specimen.

    Attributes
    ----------
    mesh : dolfinx.mesh.Mesh
        Distributed mesh (nm).
    cell_tags : dolfinx.mesh.MeshTags
        Phase tag of every cell.
    facet_tags : dolfinx.mesh.MeshTags
        Boundary tag of every boundary facet (see :attr:`boundaries`).
    phases : dict of str to int
        Phase name -> cell tag.
    boundaries : dict of str to int
        Boundary group -> facet tag: the outline faces ("xmin", "xmax", "ymin", ...; without the
        patches on them), "notch", and every boundary patch by name.
    geometry : SpecimenGeometry
    volume_fractions : dict of str to float
        Phase fractions as meshed.
    geometric_volume_fractions : dict of str to float
        Exact phase fractions.
    mesh_seconds : float
    cell_orientations : numpy.ndarray or None
        Bunge angles (degrees) per local cell (see :class:`meshing.rve.RVE`).
    """

    mesh: dolfinx.mesh.Mesh
    cell_tags: dolfinx.mesh.MeshTags
    facet_tags: dolfinx.mesh.MeshTags
    phases: dict[str, int]
    boundaries: dict[str, int]
    geometry: SpecimenGeometry
    volume_fractions: dict[str, float]
    geometric_volume_fractions: dict[str, float]
    mesh_seconds: float = 0.0
    cell_orientations: np.ndarray | None = None

    @property
    def dim(self) -> int:
        """Spatial dimension."""
        return self.geometry.outline.dim

    @property
    def comm(self) -> MPI.Comm:
        """The communicator of the mesh."""
        return self.mesh.comm

    @property
    def volume(self) -> float:
        """Exact volume of the notched specimen (nm^3; nm^2 in 2D)."""
        return self.geometry.volume()

    def facets_of(self, boundary: str) -> np.ndarray:
        """Local facet indices of a boundary group."""
        if boundary not in self.boundaries:
            raise KeyError(f"boundary '{boundary}' is not in this specimen; boundaries: {sorted(self.boundaries)}")
        return self.facet_tags.find(self.boundaries[boundary])

    def describe(self) -> dict:
        """JSON-ready description for results files (nm)."""
        g = self.geometry
        return {
            "body": "specimen",
            "box": list(g.outline.lengths),
            "cell": list(g.microstructure.box.lengths),
            "origin": list(g.origin),
            "notches": [{"face": n.face, "position": n.position, "depth": n.depth, "width": n.width, "tip": n.tip}
                        for n in g.notches],
            "patches": [{"name": p.name, "face": p.face, "lower": p.lower, "upper": p.upper} for p in g.patches],
            "boundaries": dict(self.boundaries),
            "phases": dict(self.phases),
            "geometric_volume_fractions": dict(self.geometric_volume_fractions),
        }


def build_specimen(
    geometry: SpecimenGeometry,
    settings: MeshSettings,
    comm: MPI.Comm = MPI.COMM_WORLD,
    msh_path: str | Path | None = None,
) -> Specimen:
    """Mesh a specimen on rank 0 and distribute it.

    Parameters
    ----------
    geometry : SpecimenGeometry
    settings : MeshSettings
        Element sizes (nm); the microstructure's thin features must be resolved.
    comm : MPI.Comm
    msh_path : path, optional
        Where rank 0 writes the ``.msh``, atomically.

    Raises
    ------
    RuntimeError
        When the meshed volume departs from the exact one by more than :data:`VOLUME_TOLERANCE`.
    """
    check_resolution(geometry.microstructure, settings)
    start = MPI.Wtime()
    model = distribute_model(lambda: build_specimen_model(geometry, settings), lambda info: info.region_phase,
                             geometry.outline.dim, comm, msh_path=msh_path, what="specimen mesh")
    info: GmshSpecimenInfo = model.info
    cell_tags = model.tags_from_regions(info.region_phase)
    volumes = meshed_phase_volumes(model.mesh, cell_tags, info.phases)
    total = sum(volumes.values())
    if abs(total - info.cad_volume) > VOLUME_TOLERANCE * info.cad_volume:
        raise RuntimeError(f"meshed specimen volume {total:.8g} differs from the exact {info.cad_volume:.8g} "
                           f"nm^{geometry.outline.dim} by more than {VOLUME_TOLERANCE:.0e} of it")
    seconds = MPI.Wtime() - start
    log.info("specimen: %d cells on %d ranks in %.1f s", info.num_cells, comm.size, seconds)
    return Specimen(
        mesh=model.mesh,
        cell_tags=cell_tags,
        facet_tags=model.facet_tags,
        phases=dict(info.phases),
        boundaries=dict(info.boundaries),
        geometry=geometry,
        volume_fractions={p: v / total for p, v in volumes.items()},
        geometric_volume_fractions=dict(info.geometric_volume_fractions),
        mesh_seconds=seconds,
        cell_orientations=model.cell_orientations(geometry.microstructure.shapes, info.region_shape),
    )
