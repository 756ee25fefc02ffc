"""Layered RVEs on a tensor-product grid: thin layers cost elements by area, not by thickness.

A geometry made of axis-aligned blocks and slabs (brick-and-mortar nacre, staggered films,
laminates) is cut by the planes of every block face (periodic images included) into a
tensor-product grid of boxes, each box inside exactly one phase. Along every axis, an interval
between two such planes gets ``ceil(length / size)`` elements, and an interval thinner than the
element size (an interlayer, a head joint, a coating) gets ``layer_elements`` across it. So a
25 nm interlayer under 5 um tablets costs ``layer_elements`` element layers over the tablet
area at the lateral size, where an isotropic mesh would need elements of t/3 in every direction
across the whole sheet.

Every box is split into simplices along its main diagonal (Kuhn / Freudenthal: 6 tetrahedra,
2 triangles in 2D). The split is conforming across neighbouring boxes of any size, and its
simplices keep all angles of their faces at most 90 degrees however elongated the boxes are,
so the interpolation error stays bounded at any aspect ratio (the maximum-angle condition).
The mesh is periodic by construction (the same planes on opposite faces).

The mesh is handed to gmsh as a discrete model (one volume per shape, physical groups per
phase and per box face), so that the rest of the pipeline (distribution, ``.msh`` files,
phase and lattice tags) is the one of gmsh-built RVEs. Units: nm.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence

import gmsh
import numpy as np

from meshing.geometry import PeriodicGeometry
from meshing.periodic_model import GmshRVEInfo, face_tag
from meshing.settings import MeshSettings
from meshing.shapes import Block, Slab

__all__ = ["check_tensor_geometry", "tensor_grid_axes", "build_tensor_model", "kuhn_simplices"]

_AXES = "xyz"
_GMSH_SIMPLEX = {2: 2, 3: 4}  # gmsh element types: 3-node triangle, 4-node tetrahedron
_GMSH_FACET = {2: 1, 3: 2}  # 2-node line, 3-node triangle


def check_tensor_geometry(geometry: PeriodicGeometry, settings: MeshSettings) -> None:
    """Refuse, before any meshing work, a geometry or settings the tensor grid cannot mesh.

    Raises
    ------
    ValueError
        A shape that is not an axis-aligned block or slab (naming its phase and kind), element
        sizes per axis of the wrong length, or settings that only the gmsh mesher reads.
    """
    for index, shape in enumerate(geometry.shapes):
        if not isinstance(shape, (Block, Slab)):
            raise ValueError(f"mesh mesher='tensor' meshes axis-aligned blocks and slabs only; shape {index} "
                             f"(phase '{shape.phase}') is a {type(shape).__name__}: use mesher='gmsh'")
    if settings.axis_sizes is not None and len(settings.axis_sizes) != geometry.box.dim:
        raise ValueError(f"mesh axis_sizes={list(settings.axis_sizes)} must have {geometry.box.dim} entries "
                         f"(one element size per axis of the {geometry.box.dim}D box, nm)")
    if settings.phase_size or settings.refinements:
        raise ValueError("mesh phase_size and refinements apply to mesher='gmsh'; the tensor grid is sized per axis "
                         "(size, axis_sizes in nm, and layer_elements across every interval thinner than the size)")


def _images(lower: Sequence[float], upper: Sequence[float], lengths: Sequence[float]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The parts of a block and of its periodic images that lie inside the box, as (lower, upper)."""
    out = []
    L = np.asarray(lengths)
    for shift in itertools.product((-1, 0, 1), repeat=len(lengths)):
        lo = np.maximum(np.asarray(lower) + np.asarray(shift) * L, 0.0)
        hi = np.minimum(np.asarray(upper) + np.asarray(shift) * L, L)
        if np.all(hi - lo > 1e-9 * L):
            out.append((lo, hi))
    return out


def _merge(planes: np.ndarray, length: float) -> np.ndarray:
    """Sorted planes in [0, length], those closer than 1e-9 length merged (0 and length kept exact)."""
    planes = np.unique(np.clip(np.concatenate([planes, [0.0, length]]), 0.0, length))
    keep = np.concatenate([[True], np.diff(planes) > 1e-9 * length])
    planes = planes[keep]
    planes[0], planes[-1] = 0.0, length
    if planes.size > 2 and length - planes[-2] <= 1e-9 * length:
        planes = np.delete(planes, -2)
    return planes


def tensor_grid_axes(geometry: PeriodicGeometry, settings: MeshSettings) -> list[np.ndarray]:
    """Node coordinates (nm) along every axis of the tensor grid of ``geometry``.

    Every block face (of every periodic image inside the box) is a grid plane. An interval of
    length l between planes gets ``ceil(l / h)`` equal elements, h the element size along that
    axis (``settings.axis_sizes`` or ``settings.size``), and at least ``settings.layer_elements``
    when l < h (a thin layer).

    Returns
    -------
    list of numpy.ndarray
        One increasing array per axis, from 0 to the box length (nm).
    """
    check_tensor_geometry(geometry, settings)
    box = geometry.box
    sizes = settings.axis_sizes or (settings.size,) * box.dim
    faces: list[list[float]] = [[] for _ in range(box.dim)]
    for shape in geometry.shapes:
        for lo, hi in _images(*shape.bounding_box(), box.lengths):
            for axis in range(box.dim):
                faces[axis] += [lo[axis], hi[axis]]
    axes = []
    for axis, length in enumerate(box.lengths):
        planes = _merge(np.asarray(faces[axis], dtype=float), length)
        pieces = []
        for a, b in zip(planes[:-1], planes[1:], strict=True):
            n = math.ceil((b - a) / sizes[axis] * (1 - 1e-12))
            n = max(n, settings.layer_elements) if b - a < sizes[axis] else n
            pieces.append(np.linspace(a, b, n + 1)[:-1])
        axes.append(np.concatenate([*pieces, [length]]))
    return axes


def kuhn_simplices(shape: Sequence[int]) -> np.ndarray:
    """Simplices (vertex indices, C order over the node grid) splitting a grid of boxes.

    Parameters
    ----------
    shape : sequence of int
        Boxes per axis (2 or 3 entries).

    Returns
    -------
    numpy.ndarray
        (boxes x dim!, dim + 1) vertex indices into the ``(shape + 1)`` node grid: box by box (C
        order), the dim! simplices of the Kuhn split (the paths from the box's low corner to its
        high corner along the axes in every order).
    """
    dim = len(shape)
    nodes = np.asarray(shape) + 1
    strides = np.array([int(np.prod(nodes[a + 1:])) for a in range(dim)])
    low = np.stack(np.meshgrid(*[np.arange(n) for n in shape], indexing="ij"), axis=-1).reshape(-1, dim) @ strides
    paths = []
    for order in itertools.permutations(range(dim)):
        offsets = np.cumsum([0] + [strides[a] for a in order])
        paths.append(low[:, None] + offsets[None, :])
    return np.stack(paths, axis=1).reshape(-1, dim + 1)


def _box_owners(geometry: PeriodicGeometry, axes: list[np.ndarray]) -> np.ndarray:
    """Index of the shape that paints each grid box (C order), -1 for the matrix; later shapes win."""
    owner = np.full([a.size - 1 for a in axes], -1, dtype=np.int64)
    for index, shape in enumerate(geometry.shapes):
        for lo, hi in _images(*shape.bounding_box(), geometry.box.lengths):
            window = []
            for axis, nodes in enumerate(axes):
                tol = 1e-9 * geometry.box.lengths[axis]
                window.append(slice(int(np.searchsorted(nodes, lo[axis] - tol)), int(np.searchsorted(nodes, hi[axis] - tol))))
            owner[tuple(window)] = index
    if geometry.matrix_phase is None and np.any(owner < 0):
        raise ValueError("the shapes of the geometry do not fill the box and it has no matrix phase")
    return owner.reshape(-1)


def build_tensor_model(geometry: PeriodicGeometry, settings: MeshSettings, name: str = "rve") -> GmshRVEInfo:
    """Mesh ``geometry`` on its tensor grid and load the mesh into gmsh as a discrete model.

    Call on one process with gmsh initialised (the model stays current, as
    :func:`meshing.periodic_model.build_periodic_model` leaves it). Regions are one discrete
    volume (surface in 2D) per shape plus one for the matrix; physical groups name the phases
    and the box faces (``xmin``, ``xmax``, ...).

    Returns
    -------
    GmshRVEInfo
        With the exact volume fractions (the grid follows every block face).
    """
    start = time.perf_counter()
    box, dim = geometry.box, geometry.box.dim
    axes = tensor_grid_axes(geometry, settings)
    shape = [a.size - 1 for a in axes]
    points = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, dim)
    simplices = kuhn_simplices(shape)
    owner = np.repeat(_box_owners(geometry, axes), math.factorial(dim))
    widths = [np.diff(a) for a in axes]
    box_volume = np.prod(np.stack(np.meshgrid(*widths, indexing="ij"), axis=-1).reshape(-1, dim), axis=1)

    gmsh.model.add(name)
    coords = np.zeros((points.shape[0], 3))
    coords[:, :dim] = points
    node_tags = np.arange(1, points.shape[0] + 1)
    phase_of_shape = [s.phase for s in geometry.shapes]
    present = sorted(set(owner.tolist()))
    phase_names = [p for p in geometry.phase_names if p in {geometry.matrix_phase if k < 0 else phase_of_shape[k] for k in present}]
    phases = {p: tag for tag, p in enumerate(phase_names, start=1)}
    region_phase: dict[int, int] = {}
    region_shape: dict[int, int | None] = {}
    regions: dict[str, list[int]] = {p: [] for p in phase_names}
    fractions = dict.fromkeys(phase_names, 0.0)
    first = True
    next_element = 1
    for region, k in enumerate(present, start=1):
        phase = geometry.matrix_phase if k < 0 else phase_of_shape[k]
        gmsh.model.addDiscreteEntity(dim, region)
        if first:  # all nodes live on the first region; gmsh meshes may reference nodes of other entities
            gmsh.model.mesh.addNodes(dim, region, node_tags, coords.reshape(-1))
            first = False
        cells = simplices[owner == k]
        gmsh.model.mesh.addElementsByType(region, _GMSH_SIMPLEX[dim], np.arange(next_element, next_element + cells.shape[0]),
                                          (cells + 1).reshape(-1))
        next_element += cells.shape[0]
        regions[phase].append(region)
        region_phase[region] = phases[phase]
        region_shape[region] = None if k < 0 else k
        fractions[phase] += float(box_volume[owner[:: math.factorial(dim)] == k].sum()) / box.volume
    for phase, entities in regions.items():
        gmsh.model.addPhysicalGroup(dim, entities, tag=phases[phase], name=phase)

    facets = np.concatenate([np.delete(simplices, v, axis=1) for v in range(dim + 1)])
    for axis in range(dim):
        for side, position in (("min", 0.0), ("max", box.lengths[axis])):
            on_face = np.all(points[facets, axis] == position, axis=1)
            entity = face_tag(axis, side)
            gmsh.model.addDiscreteEntity(dim - 1, entity)
            face_cells = facets[on_face]
            gmsh.model.mesh.addElementsByType(entity, _GMSH_FACET[dim], np.arange(next_element, next_element + face_cells.shape[0]),
                                              (face_cells + 1).reshape(-1))
            next_element += face_cells.shape[0]
            gmsh.model.addPhysicalGroup(dim - 1, [entity], tag=entity, name=f"{_AXES[axis]}{side}")
    return GmshRVEInfo(phases, fractions, int(points.shape[0]), int(simplices.shape[0]), time.perf_counter() - start,
                       region_phase, region_shape)
