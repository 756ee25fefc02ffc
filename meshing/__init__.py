"""Geometry and meshing (gmsh) for amorfem: periodic RVEs and finite specimens. Units: nm.

* periodic RVEs: a generator per architecture returns a :class:`PeriodicGeometry`;
  :func:`meshing.rve.build_rve` meshes it into an :class:`~meshing.rve.RVE`;
* specimens: a periodic microstructure tiled and cut to an outline, with notches
  (:mod:`meshing.specimen`); :func:`meshing.specimen_mesh.build_specimen` meshes it into a
  :class:`~meshing.specimen_mesh.Specimen`.

:func:`build_body` builds either from its geometry. Importing this package does not import
DOLFINx; building a mesh does.
"""

from meshing.geometry import Box, PeriodicGeometry, ThinFeature
from meshing.shapes import Ball, Block, Cylinder, Prism, Slab
from meshing.bionic_leaf import bionic_leaf_geometry
from meshing.core_shell import core_shell_geometry
from meshing.enamel import enamel_geometry
from meshing.inclusions import inclusion_geometry, inclusions
from meshing.laminate import laminate, laminate_geometry
from meshing.laminate_staggered import staggered_laminate_geometry
from meshing.nacre import nacre_geometry
from meshing.particles import particles_geometry
from meshing.polycrystal import polycrystal_geometry
from meshing.settings import MeshSettings, Refinement
from meshing.specimen import (
    BoundaryPatch,
    Notch,
    SpecimenGeometry,
    single_edge_notched_tension,
    specimen_geometry,
    three_point_bending,
)

#: Geometry generators by case-file ``kind``; each returns a :class:`PeriodicGeometry`.
GEOMETRIES = {
    "inclusions": inclusion_geometry,
    "laminate": laminate_geometry,
    "nacre": nacre_geometry,
    "enamel": enamel_geometry,
    "laminate_staggered": staggered_laminate_geometry,
    "particles": particles_geometry,
    "core_shell": core_shell_geometry,
    "polycrystal": polycrystal_geometry,
    "bionic_leaf": bionic_leaf_geometry,
    "specimen": specimen_geometry,
    "single_edge_notched_tension": single_edge_notched_tension,
    "three_point_bending": three_point_bending,
}


def body_kind(geometry) -> str:
    """What a geometry builds: ``"rve"`` (periodic cell) or ``"specimen"`` (finite body)."""
    return geometry.body_kind


def check_resolution(geometry, settings: MeshSettings) -> None:
    """Refuse a mesh too coarse for a thin feature of an RVE or of a specimen's microstructure (before meshing)."""
    from meshing.periodic_model import check_resolution as check_periodic

    if isinstance(geometry, SpecimenGeometry) and settings.mesher != "gmsh":
        raise ValueError(f"mesh mesher='{settings.mesher}' is for periodic RVEs; specimens are meshed with mesher='gmsh'")
    check_periodic(geometry.microstructure if isinstance(geometry, SpecimenGeometry) else geometry, settings)


def build_body(geometry, settings: MeshSettings, comm=None, msh_path=None):
    """Mesh a geometry into an RVE (periodic geometry) or a Specimen (specimen geometry), distributed on ``comm``."""
    from mpi4py import MPI

    comm = MPI.COMM_WORLD if comm is None else comm
    if isinstance(geometry, SpecimenGeometry):
        from meshing.specimen_mesh import build_specimen

        return build_specimen(geometry, settings, comm, msh_path=msh_path)
    from meshing.rve import build_rve

    return build_rve(geometry, settings, comm, msh_path=msh_path)

__all__ = [
    "GEOMETRIES",
    "BoundaryPatch",
    "Notch",
    "Refinement",
    "SpecimenGeometry",
    "body_kind",
    "build_body",
    "check_resolution",
    "single_edge_notched_tension",
    "specimen_geometry",
    "three_point_bending",
    "Ball",
    "Block",
    "Box",
    "Cylinder",
    "MeshSettings",
    "PeriodicGeometry",
    "Prism",
    "Slab",
    "ThinFeature",
    "bionic_leaf_geometry",
    "core_shell_geometry",
    "enamel_geometry",
    "nacre_geometry",
    "particles_geometry",
    "polycrystal_geometry",
    "staggered_laminate_geometry",
    "inclusion_geometry",
    "inclusions",
    "laminate",
    "laminate_geometry",
]
