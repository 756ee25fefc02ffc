"""Periodic RVE geometry and meshing (gmsh) for amorfem. Units: nm.

Importing this package does not import DOLFINx; :mod:`meshing.rve` does, when a mesh is built.
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
from meshing.settings import MeshSettings

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
}

__all__ = [
    "GEOMETRIES",
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
