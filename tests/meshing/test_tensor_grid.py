"""Tensor-product grids of block geometries: planes through every face, thin layers by area, bad input."""

import math

import numpy as np
import pytest
from mpi4py import MPI

from meshing import Ball, Block, Box, MeshSettings, PeriodicGeometry, laminate_geometry, nacre_geometry
from meshing.nacre import mineral_fraction
from meshing.rve import build_rve
from meshing.tensor_grid import check_tensor_geometry, kuhn_simplices, tensor_grid_axes

TENSOR = {"mesher": "tensor"}


def _nacre_3d(t=25.0):
    return nacre_geometry(5000.0, 500.0, 0.5, interlayer_thickness=t, dim=3)


def test_every_block_face_is_a_grid_plane_and_thin_intervals_get_the_layer_elements():
    geometry = _nacre_3d()
    settings = MeshSettings(size=250.0, axis_sizes=(250.0, 250.0, 100.0), layer_elements=3, **TENSOR)
    axes = tensor_grid_axes(geometry, settings)
    for shape in geometry.shapes:
        for axis in range(3):
            for face in (shape.lower[axis], shape.upper[axis]):
                position = face % geometry.box.lengths[axis]
                assert np.min(np.abs(axes[axis] - position)) < 1e-9 * geometry.box.lengths[axis]
    z = axes[2]
    assert z[0] == 0.0 and z[-1] == geometry.box.lengths[2]
    widths = np.diff(z)
    # 2 interlayers of 25 nm (one split by the periodic face into 12.5 + 12.5) at 3 elements each.
    assert np.isclose(widths, 25.0 / 3).sum() == 3 and np.isclose(widths, 12.5 / 3).sum() == 6
    assert widths.max() <= 100.0 + 1e-9
    # Lateral: the 25 nm head joints get 3 elements, the tablets ceil(interval / 250).
    assert np.isclose(np.diff(axes[0]), 25.0 / 3).sum() == 6


def test_cells_grow_with_the_layer_area_not_with_its_thinness():
    settings = MeshSettings(size=250.0, axis_sizes=(250.0, 250.0, 100.0), **TENSOR)
    counts = [math.prod(a.size - 1 for a in tensor_grid_axes(_nacre_3d(t), settings)) for t in (50.0, 25.0, 5.0, 1.0)]
    assert len(set(counts)) == 1  # a 50x thinner interlayer costs no element


@pytest.mark.parametrize("shape", [(3, 2), (2, 3, 4)])
def test_kuhn_split_fills_every_box_with_equal_simplices(shape):
    dim = len(shape)
    axes = [np.cumsum(np.r_[0.0, np.linspace(1.0, 3.0, n)]) for n in shape]  # unequal boxes
    points = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, dim)
    simplices = kuhn_simplices(shape)
    assert simplices.shape == (math.prod(shape) * math.factorial(dim), dim + 1)
    edges = points[simplices[:, 1:]] - points[simplices[:, :1]]
    volumes = np.abs(np.linalg.det(edges)) / math.factorial(dim)
    assert volumes.min() > 0
    assert volumes.sum() == pytest.approx(math.prod(a[-1] for a in axes), rel=1e-13)
    # The dim! simplices of one box have equal volume: box volume / dim!.
    first_box = volumes[: math.factorial(dim)]
    assert np.allclose(first_box, first_box[0], rtol=1e-13)


def test_conforming_split_every_interior_facet_is_shared_by_two_simplices():
    simplices = kuhn_simplices((3, 2, 2))
    facets = np.sort(np.concatenate([np.delete(simplices, v, axis=1) for v in range(4)]), axis=1)
    _, counts = np.unique(facets, axis=0, return_counts=True)
    assert counts.max() == 2  # no facet is hit by three simplices (no hanging or overlapping faces)
    boundary_faces = 2 * 2 * (3 * 2 + 3 * 2 + 2 * 2)  # two triangles per box face on the outside
    assert (counts == 1).sum() == boundary_faces


def test_meshed_fractions_are_the_exact_ones_and_the_mesh_is_periodic():
    geometry = nacre_geometry(1000.0, 450.0, 0.3, interlayer_thickness=30.0, dim=3)
    rve = build_rve(geometry, MeshSettings(size=150.0, axis_sizes=(150.0, 150.0, 100.0), **TENSOR), MPI.COMM_SELF)
    assert rve.volume_fractions["tablet"] == pytest.approx(mineral_fraction(geometry), rel=1e-12)
    assert rve.geometric_volume_fractions["tablet"] == pytest.approx(mineral_fraction(geometry), rel=1e-12)
    x = rve.mesh.geometry.x
    for axis, length in enumerate(rve.box.lengths):
        low = {tuple(np.round(np.delete(p, axis), 6)) for p in x[np.abs(x[:, axis]) < 1e-9]}
        high = {tuple(np.round(np.delete(p, axis), 6)) for p in x[np.abs(x[:, axis] - length) < 1e-9]}
        assert low and low == high
    assert rve.cell_shapes is not None and set(np.unique(rve.cell_shapes)) == {-1, 0, 1}


def test_laminate_layers_are_whole_element_layers():
    geometry = laminate_geometry([3.0, 0.2, 5.0], ["a", "b", "a"], [10.0, 10.0])
    rve = build_rve(geometry, MeshSettings(size=2.0, **TENSOR), MPI.COMM_SELF)
    assert rve.volume_fractions["b"] == pytest.approx(0.2 / 8.2, rel=1e-12)
    # 5 x 5 boxes in the plane; 2 + 2 + 3 boxes through the stack; 6 tetrahedra per box.
    assert rve.mesh.topology.index_map(3).size_global == 5 * 5 * (2 + 2 + 3) * 6


def test_shapes_that_are_not_blocks_are_refused_before_meshing():
    box = Box((10.0, 10.0, 10.0))
    geometry = PeriodicGeometry(box, "matrix", (Block("p", (1.0, 1.0, 1.0), (3.0, 3.0, 3.0)), Ball("q", (6.0, 6.0, 6.0), 2.0)))
    with pytest.raises(ValueError, match=r"shape 1 \(phase 'q'\) is a Ball: use mesher='gmsh'"):
        check_tensor_geometry(geometry, MeshSettings(size=1.0, **TENSOR))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"size": 1.0, "mesher": "voxel"}, r"mesher='voxel' is not known; allowed: gmsh, tensor"),
        ({"size": 1.0, "mesher": "tensor", "layer_elements": 1}, r"layer_elements=1 must be an integer >= 2"),
        ({"size": 1.0, "axis_sizes": (1.0, 1.0, 1.0)}, r"axis_sizes applies to mesher='tensor' only"),
        ({"size": 1.0, "mesher": "tensor", "axis_sizes": (1.0, -2.0, 1.0)}, r"axis_sizes=\[1.0, -2.0, 1.0\] nm"),
    ],
)
def test_bad_tensor_settings_name_the_parameter(settings, message):
    with pytest.raises(ValueError, match=message):
        MeshSettings(**settings)


def test_settings_the_tensor_grid_cannot_honour_are_refused():
    geometry = _nacre_3d()
    with pytest.raises(ValueError, match=r"axis_sizes=\[250.0, 250.0\] must have 3 entries"):
        check_tensor_geometry(geometry, MeshSettings(size=250.0, axis_sizes=(250.0, 250.0), **TENSOR))
    with pytest.raises(ValueError, match=r"phase_size and refinements apply to mesher='gmsh'"):
        check_tensor_geometry(geometry, MeshSettings(size=250.0, phase_size={"interlayer": 5.0}, **TENSOR))


def test_square_mineral_bridges_are_meshed_with_their_exact_volume():
    geometry = nacre_geometry(1000.0, 200.0, 0.3, interlayer_thickness=20.0, dim=3, bridges_per_face=2,
                              bridge_diameter=40.0, bridge_shape="square")
    bridges = [s for s in geometry.shapes if s.phase == "bridge"]
    expected = sum(np.prod(np.subtract(b.upper, b.lower)) for b in bridges) / np.prod(geometry.box.lengths)
    rve = build_rve(geometry, MeshSettings(size=100.0, axis_sizes=(100.0, 100.0, 50.0), **TENSOR), MPI.COMM_SELF)
    assert len(bridges) > 0
    assert rve.volume_fractions["bridge"] == pytest.approx(expected, rel=1e-12)
    assert rve.volume_fractions["tablet"] == pytest.approx(mineral_fraction(geometry) - expected, rel=1e-12)
