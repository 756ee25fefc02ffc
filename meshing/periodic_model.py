"""Build a periodic, phase-tagged gmsh model of an RVE (runs on one process).

Steps: draw the box and every shape (with the periodic images of shapes that cross the box),
fragment, drop what lies outside the box, assign each region the phase of the last shape that
covers it, make the mesh periodic on every pair of opposite faces, size the elements per phase,
name the physical groups, mesh. Units: nm.
"""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass

import gmsh
import numpy as np

from meshing.curved_nodes import CurvedNodes, curved_refinement_nodes
from meshing.geometry import Box, PeriodicGeometry
from meshing.gmsh_regions import generate, mesh_counts, paint_regions, set_sizes
from meshing.shapes import Prism, Slab
from meshing.settings import ELEMENTS_THROUGH_THICKNESS, SIZES_PER_THICKNESS, MeshSettings

__all__ = ["GmshRVEInfo", "check_resolution", "build_periodic_model", "FACE_NAMES", "face_tag"]

log = logging.getLogger("amorfem.meshing")

_AXES = "xyz"
#: Physical-group names of the box faces, e.g. "xmin", "xmax", "ymin", ...
FACE_NAMES = tuple(f"{_AXES[a]}{side}" for a in range(3) for side in ("min", "max"))


def face_tag(axis: int, side: str) -> int:
    """Physical tag of a box face: 101 + 2 axis (+1 for the max side)."""
    return 101 + 2 * axis + (side == "max")


@dataclass(frozen=True)
class GmshRVEInfo:
    """What the gmsh build reports back (plain data, sent to every rank).

    Attributes
    ----------
    phases : dict of str to int
        Phase name -> physical (cell) tag.
    geometric_volume_fractions : dict of str to float
        Exact volume fraction of each phase in the CAD model.
    num_nodes, num_cells : int
        Size of the mesh.
    seconds : float
        Wall time of the gmsh build (s).
    region_phase : dict of int to int
        Region (gmsh entity of the top dimension) -> phase tag.
    region_shape : dict of int to int or None
        Region -> index of the geometry shape it belongs to (None: the matrix).
    curved_nodes : CurvedNodes or None
        With ``uniform_refinements``: where the refinement's new nodes on curved interfaces go.
    """

    phases: dict[str, int]
    geometric_volume_fractions: dict[str, float]
    num_nodes: int
    num_cells: int
    seconds: float
    region_phase: dict[int, int]
    region_shape: dict[int, int | None]
    curved_nodes: CurvedNodes | None = None


def _thinnest(shape, box: Box) -> float:
    """A shape's thinnest dimension (nm); a 3D prism as tall as the cell runs through the period
    along x3 (veins through a sheet), so only its cross-section counts."""
    if isinstance(shape, Prism) and shape.lower is not None and shape.upper - shape.lower >= box.lengths[2]:
        return shape.width()
    return shape.min_thickness()


def check_resolution(geometry: PeriodicGeometry, settings: MeshSettings) -> None:
    """Refuse a mesh too coarse for a thin feature, before any meshing work.

    Every shape must get at least ``ELEMENTS_THROUGH_THICKNESS`` elements across its
    thinnest dimension (layer thickness, ball diameter), which on an unstructured simplex
    mesh takes an element size of at most thickness / ``SIZES_PER_THICKNESS``.

    Raises
    ------
    ValueError
        Naming the phase, its thickness, the element size and the size needed.
    """
    if settings.mesher == "tensor":  # the grid puts layer_elements (>= 2) across every thin interval
        from meshing.tensor_grid import check_tensor_geometry

        check_tensor_geometry(geometry, settings)
        return
    layered = any(isinstance(s, Slab) for s in geometry.shapes) or bool(geometry.thin_features)
    if geometry.box.dim == 3 and settings.algorithm_3d == "hxt" and layered:
        raise ValueError(
            "mesh algorithm_3d='hxt' does not keep the element size inside thin layers; "
            "use algorithm_3d='delaunay' for geometries with layers, coatings or interlayers"
        )
    features = [(s.phase, _thinnest(s, geometry.box), f"phase '{s.phase}'") for s in geometry.shapes]
    features += [(f.phase, f.thickness, f"{f.name} (phase '{f.phase}')") for f in geometry.thin_features]
    for phase, thickness, what in features:
        h = settings.size_in(phase)
        needed = thickness / SIZES_PER_THICKNESS
        if h > needed * (1 + 1e-9):
            raise ValueError(
                f"mesh too coarse for {what}: its thinnest feature is {thickness:.4g} nm "
                f"but the element size there is {h:.4g} nm; {ELEMENTS_THROUGH_THICKNESS} elements through "
                f"the thickness need a size <= {needed:.4g} nm (thickness / {SIZES_PER_THICKNESS}; "
                f"set mesh.phase_size.{phase} = {needed:.4g})"
            )


def _tolerance(box: Box) -> float:
    return 1e-7 * max(box.lengths)


def _draw_box(occ, box: Box) -> tuple[int, int]:
    if box.dim == 2:
        return (2, occ.addRectangle(0.0, 0.0, 0.0, *box.lengths))
    return (3, occ.addBox(0.0, 0.0, 0.0, *box.lengths))


def _draw_shapes_with_images(occ, geometry: PeriodicGeometry) -> tuple[list[tuple[int, int]], list[int]]:
    """Draw each shape fused with its periodic images that reach into (or touch) the box.

    An image that only touches a face still splits that face where the shape meets the
    opposite face, so it is drawn too. Images of one shape are fused, so that overlapping
    copies (a fibre reaching beyond the faces it crosses) leave no internal faces that would
    split one box face and not its opposite.
    """
    box, eps = geometry.box, _tolerance(geometry.box)
    pieces: list[tuple[int, int]] = []
    owners: list[int] = []
    for index, shape in enumerate(geometry.shapes):
        base = shape.to_occ(occ, box)
        lower, upper = shape.bounding_box()
        images: list[tuple[int, int]] = []
        used_base = False
        for shift in itertools.product((-1, 0, 1), repeat=box.dim):
            offset = [s * length for s, length in zip(shift, box.lengths, strict=True)]
            reaches_in = all(
                lower[a] + offset[a] < box.lengths[a] + eps and upper[a] + offset[a] > -eps for a in range(box.dim)
            )
            if not reaches_in:
                continue
            if not any(shift):
                images += base
                used_base = True
            else:
                copy = occ.copy(base)
                occ.translate(copy, *offset, *([0.0] * (3 - box.dim)))
                images += copy
        if not used_base:
            occ.remove(base, recursive=True)
        if len(images) > 1:
            images, _ = occ.fuse(images[:1], images[1:])
        pieces += images
        owners += [index] * len(images)
    return pieces, owners


#: Slack of the bounding-box query for entities on a cell face, in units of the box (nm for boxes
#: under 1 nm): OCC pads bounding boxes by its absolute shape tolerance, which booleans on
#: revolved surfaces raise to ~1e-5.
BOUNDING_BOX_SLACK = 1e-4


def _entities_on_plane(box: Box, axis: int, position: float) -> list[int]:
    """Boundary entities lying in the plane ``x_axis = position``: found in a padded bounding box,
    then kept only when their centre of mass is on the plane (exact for planar pieces)."""
    eps = BOUNDING_BOX_SLACK * max(max(box.lengths), 1.0)
    lo = [-eps] * 3
    hi = [length + eps for length in box.lengths] + [eps] * (3 - box.dim)
    lo[axis], hi[axis] = position - eps, position + eps
    dim = box.dim - 1
    return [tag for _, tag in gmsh.model.getEntitiesInBoundingBox(*lo, *hi, dim=dim)
            if abs(gmsh.model.occ.getCenterOfMass(dim, tag)[axis] - position) <= 10 * _tolerance(box)]


#: Largest mismatch (fraction of the box) of a face and its image; OCC's bounding boxes and
#: mass integrals of trimmed B-spline faces (ellipsoids) are only good to ~0.2 %, so faces are
#: paired by the best overall match and the pairing must be this good.
MATCH_TOLERANCE = 0.02


def _signature(box: Box, dim: int, tag: int) -> np.ndarray:
    """Bounding box, centre of mass and size of a boundary entity, in units of the box."""
    size = gmsh.model.occ.getMass(dim, tag) ** (1 / max(dim, 1))
    signature = [*gmsh.model.getBoundingBox(dim, tag), *gmsh.model.occ.getCenterOfMass(dim, tag), size]
    return np.array(signature) / max(box.lengths)


def _make_periodic(box: Box) -> None:
    """Pair every entity on a max face with its image on the min face (``setPeriodic``)."""
    from scipy.optimize import linear_sum_assignment

    for axis in range(box.dim):
        low = _entities_on_plane(box, axis, 0.0)
        high = _entities_on_plane(box, axis, box.lengths[axis])
        if not low:
            raise RuntimeError(f"no boundary entity found on {_AXES[axis]}=0 (OCC tolerance beyond "
                               f"{BOUNDING_BOX_SLACK:g} of the box?)")
        if len(low) != len(high):
            raise RuntimeError(
                f"geometry is not periodic: {len(low)} boundary entities on {_AXES[axis]}=0 but {len(high)} "
                f"on {_AXES[axis]}={box.lengths[axis]:g} nm"
            )
        shift = np.zeros(10)
        shift[[axis, axis + 3, axis + 6]] = box.lengths[axis] / max(box.lengths)
        low_signatures = np.array([_signature(box, box.dim - 1, t) for t in low])
        high_signatures = np.array([_signature(box, box.dim - 1, t) for t in high]) - shift
        cost = np.abs(high_signatures[:, None, :] - low_signatures[None, :, :]).max(axis=2)
        rows, cols = linear_sum_assignment(cost)
        affine = [1.0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 1.0]
        affine[4 * axis + 3] = box.lengths[axis]
        for i, j in zip(rows, cols, strict=True):
            if cost[i, j] > MATCH_TOLERANCE:
                raise RuntimeError(
                    f"geometry is not periodic: boundary entity {high[i]} on {_AXES[axis]}={box.lengths[axis]:g} nm "
                    f"has no image on {_AXES[axis]}=0 (best mismatch {cost[i, j]:.2%} of the box)"
                )
            gmsh.model.mesh.setPeriodic(box.dim - 1, [high[i]], [low[j]], affine)


def _snap_periodic_nodes(dim: int) -> int:
    """Put every node of a periodic (slave) entity exactly at the image of its master node.

    gmsh copies the master mesh and then projects the copies onto the slave's CAD entity; on
    B-spline surfaces (spheroids) that moves them by up to ~1e-8 of the box (measured). Snapping
    makes opposite faces match to the last bit. Returns the number of nodes moved.
    """
    moved = 0
    for d in range(dim):
        for _, tag in gmsh.model.getEntities(d):
            master, slaves, masters, affine = gmsh.model.mesh.getPeriodicNodes(d, tag)
            if master == tag or not len(slaves):
                continue
            T = np.array(affine).reshape(4, 4)
            for slave, source in zip(slaves, masters, strict=True):
                x = gmsh.model.mesh.getNode(source)[0]
                image = T[:3, :3] @ x + T[:3, 3]
                if np.any(gmsh.model.mesh.getNode(slave)[0] != image):
                    gmsh.model.mesh.setNode(slave, image.tolist(), [])
                    moved += 1
    return moved


def build_periodic_model(geometry: PeriodicGeometry, settings: MeshSettings, name: str = "rve") -> GmshRVEInfo:
    """Build and mesh the periodic RVE as the current gmsh model.

    Call on one process with gmsh initialised; the meshed model stays current so the
    caller can hand it to DOLFINx and then remove it.

    Parameters
    ----------
    geometry : PeriodicGeometry
        Box, matrix phase and shapes (nm).
    settings : MeshSettings
        Element sizes (nm).
    name : str
        gmsh model name.

    Returns
    -------
    GmshRVEInfo
    """
    start = time.perf_counter()
    box, dim = geometry.box, geometry.box.dim
    gmsh.model.add(name)
    gmsh.option.setNumber("General.NumThreads", settings.threads)
    gmsh.option.setNumber("Mesh.Algorithm3D", settings.gmsh_algorithm_3d)
    occ = gmsh.model.occ
    cell = _draw_box(occ, box)
    pieces, owners = _draw_shapes_with_images(occ, geometry)
    painted = paint_regions(occ, cell, pieces, owners, geometry.shapes, geometry.matrix_phase, geometry.phase_names, dim)
    regions = painted.regions
    fractions = {p: sum(occ.getMass(dim, t) for t in tags) / box.volume for p, tags in regions.items()}

    _make_periodic(box)
    set_sizes(dim, regions, settings)
    phases = {}
    for tag, (phase, entities) in enumerate(regions.items(), start=1):
        gmsh.model.addPhysicalGroup(dim, entities, tag=tag, name=phase)
        phases[phase] = tag
    for axis in range(dim):
        for side, position in (("min", 0.0), ("max", box.lengths[axis])):
            entities = _entities_on_plane(box, axis, position)
            gmsh.model.addPhysicalGroup(dim - 1, entities, tag=face_tag(axis, side), name=f"{_AXES[axis]}{side}")

    log.info("gmsh: meshing %dD RVE %s nm with %d phases", dim, " x ".join(f"{v:g}" for v in box.lengths), len(phases))
    generate(dim)
    log.info("gmsh: %d periodic nodes snapped onto their exact images", _snap_periodic_nodes(dim))
    curved = (curved_refinement_nodes(dim, settings.uniform_refinements, box.lengths)
              if settings.uniform_refinements else None)
    num_nodes, num_cells = mesh_counts(dim)
    seconds = time.perf_counter() - start
    log.info("gmsh: %d nodes, %d cells in %.1f s", num_nodes, num_cells, seconds)
    region_phase = {t: phases[p] for p, tags in regions.items() for t in tags}
    return GmshRVEInfo(phases, fractions, num_nodes, num_cells, seconds, region_phase, dict(painted.owner), curved)
