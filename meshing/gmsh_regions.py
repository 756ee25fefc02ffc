"""What periodic RVEs and finite specimens share in gmsh: painting phases, sizing, meshing.

* :func:`paint_regions`: fragment a body with the shapes drawn into it; every region of the
  body takes the phase of the last shape that covers it (the matrix phase where none does), and
  remembers which shape that is (so a cell's crystal lattice is its region's, not a guess from
  its centroid).
* :func:`set_sizes`: one constant size per phase, finer boxes (:class:`~meshing.settings.Refinement`).
* :func:`generate`: mesh, with a fallback surface algorithm for B-spline surfaces that the
  default one leaves empty.

Runs on one process with gmsh initialised. Units: nm.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import gmsh

from meshing.settings import MeshSettings

__all__ = ["PaintedRegions", "paint_regions", "set_sizes", "generate", "mesh_counts"]

log = logging.getLogger("amorfem.meshing")


@dataclass(frozen=True)
class PaintedRegions:
    """The phase regions of a body after fragmenting.

    Attributes
    ----------
    regions : dict of str to list of int
        Phase -> gmsh entity tags of its regions (dimension ``dim``).
    owner : dict of int to int or None
        Region entity tag -> index of the shape it belongs to (None for the matrix).
    """

    regions: dict[str, list[int]]
    owner: dict[int, int | None]


def paint_regions(occ, body: tuple[int, int], pieces: Sequence[tuple[int, int]], owners: Sequence[int],
                  shapes: Sequence, matrix_phase: str | None, phase_names: Sequence[str], dim: int) -> PaintedRegions:
    """Fragment ``body`` with ``pieces`` (drawn shapes; ``owners[k]`` is the shape index of piece k), drop what
    lies outside the body, and give every region inside the phase of its last covering shape.

    Synchronizes the OCC model.

    Raises
    ------
    RuntimeError
        When part of the body is covered by no shape and there is no matrix phase.
    """
    if pieces:
        out, children = occ.fragment([body], list(pieces))
        inside = {c for c in children[0] if c[0] == dim}
        covered_by: dict[tuple[int, int], set[int]] = defaultdict(set)
        for owner, kids in zip(owners, children[1:], strict=True):
            for kid in kids:
                covered_by[kid].add(owner)
        outside = [c for c in out if c[0] == dim and c not in inside]
        if outside:
            occ.remove(outside, recursive=True)
    else:
        inside, covered_by = {body}, {}
    occ.synchronize()

    regions: dict[str, list[int]] = {p: [] for p in phase_names}
    owner: dict[int, int | None] = {}
    for region in sorted(inside):
        owners_here = covered_by.get(region)
        index = max(owners_here) if owners_here else None
        phase = shapes[index].phase if index is not None else matrix_phase
        if phase is None:
            raise RuntimeError("part of the body is covered by no shape and the geometry has no matrix phase")
        regions[phase].append(region[1])
        owner[region[1]] = index
    return PaintedRegions({p: tags for p, tags in regions.items() if tags}, owner)


def set_sizes(dim: int, regions: dict[str, list[int]], settings: MeshSettings) -> None:
    """Background size field: the phase's size inside each phase region, and every refinement box
    (graded to the coarse size over a layer of that thickness outside the box)."""
    fields = []
    list_name = "VolumesList" if dim == 3 else "SurfacesList"
    for phase, tags in regions.items():
        f = gmsh.model.mesh.field.add("Constant")
        gmsh.model.mesh.field.setNumber(f, "VIn", settings.size_in(phase))
        gmsh.model.mesh.field.setNumbers(f, list_name, tags)
        gmsh.model.mesh.field.setNumber(f, "IncludeBoundary", 1)
        fields.append(f)
    for refinement in settings.refinements:
        if len(refinement.lower) != dim:
            raise ValueError(f"mesh refinement box {list(refinement.lower)}..{list(refinement.upper)} has "
                             f"{len(refinement.lower)} coordinates; the body is {dim}D")
        f = gmsh.model.mesh.field.add("Box")
        lower = list(refinement.lower) + [-1.0] * (3 - dim)
        upper = list(refinement.upper) + [1.0] * (3 - dim)
        for key, value in zip(("XMin", "YMin", "ZMin"), lower, strict=True):
            gmsh.model.mesh.field.setNumber(f, key, value)
        for key, value in zip(("XMax", "YMax", "ZMax"), upper, strict=True):
            gmsh.model.mesh.field.setNumber(f, key, value)
        coarse = max(settings.size_in(p) for p in regions)
        gmsh.model.mesh.field.setNumber(f, "VIn", refinement.size)
        gmsh.model.mesh.field.setNumber(f, "VOut", coarse)
        # Grade the size over a layer as thick as the coarse size outside the box: with an abrupt
        # jump the mesher bulges coarse cells ~2 nm into a box refined from 8 to 0.25 nm.
        gmsh.model.mesh.field.setNumber(f, "Thickness", coarse)
        fields.append(f)
    smallest = gmsh.model.mesh.field.add("Min")
    gmsh.model.mesh.field.setNumbers(smallest, "FieldsList", fields)
    gmsh.model.mesh.field.setAsBackgroundMesh(smallest)
    gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", settings.curvature_elements)
    gmsh.option.setNumber("Mesh.MeshSizeMax", max(settings.size_in(p) for p in regions))


def _unmeshed(dim: int) -> list[tuple[int, int]]:
    """Entities of dimension dim - 1 and dim that received no elements."""
    return [(d, t) for d in (dim - 1, dim) for _, t in gmsh.model.getEntities(d)
            if not any(len(tags) for tags in gmsh.model.mesh.getElements(d, t)[1])]


def generate(dim: int) -> None:
    """Mesh; if some surfaces stay empty (frontal-Delaunay fails on some B-spline surfaces with
    curvature sizing, e.g. ellipsoids), mesh again with the Delaunay surface algorithm."""
    gmsh.model.mesh.generate(dim)
    if _unmeshed(dim):
        log.info("gmsh: %d entities left empty by frontal-Delaunay; meshing again with Delaunay", len(_unmeshed(dim)))
        gmsh.model.mesh.clear()
        gmsh.option.setNumber("Mesh.Algorithm", 5)
        gmsh.model.mesh.generate(dim)
        gmsh.option.setNumber("Mesh.Algorithm", 6)
    empty = _unmeshed(dim)
    if empty:
        raise RuntimeError(f"gmsh left {len(empty)} entities without elements (e.g. {empty[:3]}); "
                           "try a smaller mesh size or curvature_elements = 0")


def mesh_counts(dim: int) -> tuple[int, int]:
    """Number of nodes and of cells of dimension ``dim`` in the current model."""
    num_nodes = len(gmsh.model.mesh.getNodes()[0])
    _, element_tags, _ = gmsh.model.mesh.getElements(dim)
    return num_nodes, sum(len(t) for t in element_tags)
