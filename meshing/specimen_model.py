"""Build a phase-tagged gmsh model of a finite specimen (runs on one process).

Steps: draw the outline (its faces split where boundary patches end), cut the notches, draw every
microstructure shape at every cell offset that meets the outline, fragment, drop what lies
outside, paint each region with the phase of its last covering shape, size the elements, name
the physical groups (phases; faces, notch and patches as facet groups, each boundary facet in
exactly one of them), mesh. Units: nm.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import gmsh
import numpy as np

from meshing.gmsh_regions import generate, mesh_counts, paint_regions, set_sizes
from meshing.periodic_model import face_tag
from meshing.settings import MeshSettings
from meshing.specimen import FACES, NOTCH_TAG, PATCH_TAG_START, Notch, SpecimenGeometry

__all__ = ["GmshSpecimenInfo", "build_specimen_model"]

log = logging.getLogger("amorfem.meshing")


@dataclass(frozen=True)
class GmshSpecimenInfo:
    """What the gmsh build of a specimen reports back (plain data, sent to every rank).

    Attributes
    ----------
    phases : dict of str to int
        Phase name -> cell tag.
    boundaries : dict of str to int
        Boundary group name (faces "xmin" ..., "notch", patch names) -> facet tag.
    geometric_volume_fractions : dict of str to float
        Exact phase fractions of the notched specimen.
    cad_volume : float
        Exact volume of the notched specimen (nm^3; nm^2 in 2D).
    num_nodes, num_cells : int
    seconds : float
    region_phase : dict of int to int
        Region entity -> phase tag.
    region_shape : dict of int to int or None
        Region entity -> index of the microstructure shape (None: matrix).
    """

    phases: dict[str, int]
    boundaries: dict[str, int]
    geometric_volume_fractions: dict[str, float]
    cad_volume: float
    num_nodes: int
    num_cells: int
    seconds: float
    region_phase: dict[int, int]
    region_shape: dict[int, int | None]


def _outline(occ, geometry: SpecimenGeometry) -> tuple[int, int]:
    """The outline as a polygon with vertices where patches end (extruded along x3 in 3D)."""
    W, H = geometry.outline.lengths[:2]
    cuts = {"ymin": {0.0, W}, "xmax": {0.0, H}, "ymax": {0.0, W}, "xmin": {0.0, H}}
    for patch in geometry.patches:
        cuts[patch.face] |= {patch.lower, patch.upper}
    ring = [(x, 0.0) for x in sorted(cuts["ymin"])]
    ring += [(W, y) for y in sorted(cuts["xmax"])]
    ring += [(x, H) for x in sorted(cuts["ymax"], reverse=True)]
    ring += [(0.0, y) for y in sorted(cuts["xmin"], reverse=True)]
    points = []
    for x, y in ring:
        if not points or (x, y) != points[-1]:
            points.append((x, y))
    if points[0] == points[-1]:
        points.pop()
    tags = [occ.addPoint(x, y, 0.0) for x, y in points]
    lines = [occ.addLine(a, b) for a, b in zip(tags, tags[1:] + tags[:1], strict=True)]
    surface = occ.addPlaneSurface([occ.addCurveLoop(lines)])
    if geometry.outline.dim == 2:
        return (2, surface)
    out = occ.extrude([(2, surface)], 0.0, 0.0, geometry.outline.lengths[2])
    return next(d for d in out if d[0] == 3)


def _notch_tool(occ, notch: Notch, geometry: SpecimenGeometry) -> list[tuple[int, int]]:
    """The slot (and round tip) to cut, reaching a width beyond the face so the cut is clean."""
    outline, dim = geometry.outline, geometry.outline.dim
    axis, side = FACES[notch.face]
    length = outline.lengths[axis]
    r = notch.width / 2
    straight = notch.depth - (r if notch.tip == "round" else 0.0)
    start, end = (-notch.width, straight) if side == "min" else (length - straight, length + notch.width)
    lower, size = [0.0] * 3, [0.0] * 3
    lower[axis], size[axis] = start, end - start
    lower[notch.tangent], size[notch.tangent] = notch.position - r, notch.width
    thickness = outline.lengths[2] if dim == 3 else 0.0
    if dim == 3:
        lower[2], size[2] = -notch.width, thickness + 2 * notch.width
        parts = [(3, occ.addBox(*lower, *size))]
    else:
        parts = [(2, occ.addRectangle(lower[0], lower[1], 0.0, size[0], size[1]))]
    if notch.tip == "round":
        centre = [0.0, 0.0, 0.0]
        centre[axis] = straight if side == "min" else length - straight
        centre[notch.tangent] = notch.position
        if dim == 3:
            centre[2] = -notch.width
            parts.append((3, occ.addCylinder(*centre, 0.0, 0.0, thickness + 2 * notch.width, r)))
        else:
            parts.append((2, occ.addDisk(centre[0], centre[1], 0.0, r, r)))
        parts, _ = occ.fuse(parts[:1], parts[1:])
    return parts


def _draw_tiles(occ, geometry: SpecimenGeometry) -> tuple[list[tuple[int, int]], list[int]]:
    """Every shape at every cell offset where it meets the outline; the owner index of each piece."""
    dim, outline = geometry.outline.dim, geometry.outline.lengths
    pieces: list[tuple[int, int]] = []
    owners: list[int] = []
    offsets = geometry.tile_offsets()
    for index, shape in enumerate(geometry.microstructure.shapes):
        base = shape.to_occ(occ, geometry.microstructure.box)
        lower, upper = shape.bounding_box()
        for offset in offsets:
            if all(lower[a] + offset[a] < outline[a] and upper[a] + offset[a] > 0 for a in range(dim)):
                copy = occ.copy(base)
                occ.translate(copy, *offset, *([0.0] * (3 - dim)))
                pieces += copy
                owners += [index] * len(copy)
        occ.remove(base, recursive=True)
    return pieces, owners


def _classify_boundary(geometry: SpecimenGeometry, volumes: list[tuple[int, int]]) -> dict[int, list[int]]:
    """Facet tag -> boundary entities: each outline face, the patches on it, and the notch surfaces."""
    dim, lengths = geometry.outline.dim, geometry.outline.lengths
    tol = 1e-7 * max(lengths)
    boundary = gmsh.model.getBoundary(volumes, combined=True, oriented=False)
    groups: dict[int, list[int]] = {}
    for _, tag in boundary:
        centre = np.array(gmsh.model.occ.getCenterOfMass(dim - 1, abs(tag)))
        bounds = np.array(gmsh.model.getBoundingBox(dim - 1, abs(tag))).reshape(2, 3)
        group = NOTCH_TAG
        for name, (axis, side) in FACES.items():
            if axis >= dim:
                continue
            position = 0.0 if side == "min" else lengths[axis]
            if abs(bounds[0, axis] - position) < tol and abs(bounds[1, axis] - position) < tol:
                group = face_tag(axis, side)
                for k, patch in enumerate(geometry.patches):
                    along = centre[1 - axis]
                    if patch.face == name and patch.lower - tol <= along <= patch.upper + tol:
                        group = PATCH_TAG_START + k
                break
        groups.setdefault(group, []).append(abs(tag))
    return groups


def build_specimen_model(geometry: SpecimenGeometry, settings: MeshSettings, name: str = "specimen") -> GmshSpecimenInfo:
    """Build and mesh a specimen as the current gmsh model (one process, gmsh initialised).

    Parameters
    ----------
    geometry : SpecimenGeometry
    settings : MeshSettings
        Element sizes (nm), refinement boxes included.
    name : str
        gmsh model name.
    """
    start = time.perf_counter()
    dim = geometry.outline.dim
    gmsh.model.add(name)
    gmsh.option.setNumber("General.NumThreads", settings.threads)
    gmsh.option.setNumber("Mesh.Algorithm3D", settings.gmsh_algorithm_3d)
    occ = gmsh.model.occ
    body = _outline(occ, geometry)
    if geometry.notches:
        tools = [d for notch in geometry.notches for d in _notch_tool(occ, notch, geometry)]
        cut, _ = occ.cut([body], tools)
        bodies = [d for d in cut if d[0] == dim]
        if len(bodies) != 1:
            raise RuntimeError(f"cutting the notches left {len(bodies)} pieces of the specimen; a notch must not cut it apart")
        body = bodies[0]
    pieces, owners = _draw_tiles(occ, geometry)
    micro = geometry.microstructure
    painted = paint_regions(occ, body, pieces, owners, micro.shapes, micro.matrix_phase, micro.phase_names, dim)
    regions = painted.regions
    masses = {p: sum(occ.getMass(dim, t) for t in tags) for p, tags in regions.items()}
    cad_volume = sum(masses.values())
    fractions = {p: m / cad_volume for p, m in masses.items()}
    set_sizes(dim, regions, settings)

    phases = {}
    for tag, (phase, entities) in enumerate(regions.items(), start=1):
        gmsh.model.addPhysicalGroup(dim, entities, tag=tag, name=phase)
        phases[phase] = tag
    names = {face_tag(axis, side): name for name, (axis, side) in FACES.items()}
    names[NOTCH_TAG] = "notch"
    names.update({PATCH_TAG_START + k: patch.name for k, patch in enumerate(geometry.patches)})
    volumes = [(dim, t) for tags in regions.values() for t in tags]
    boundaries = {}
    for tag, entities in sorted(_classify_boundary(geometry, volumes).items()):
        gmsh.model.addPhysicalGroup(dim - 1, entities, tag=tag, name=names[tag])
        boundaries[names[tag]] = tag

    log.info("gmsh: meshing %dD specimen %s nm, %d notch(es), %d phases", dim,
             " x ".join(f"{v:g}" for v in geometry.outline.lengths), len(geometry.notches), len(phases))
    generate(dim)
    num_nodes, num_cells = mesh_counts(dim)
    seconds = time.perf_counter() - start
    log.info("gmsh: %d nodes, %d cells in %.1f s", num_nodes, num_cells, seconds)
    region_phase = {t: phases[p] for p, tags in regions.items() for t in tags}
    return GmshSpecimenInfo(phases, boundaries, fractions, cad_volume, num_nodes, num_cells, seconds, region_phase,
                            dict(painted.owner))
