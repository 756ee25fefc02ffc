"""Meshed RVEs: periodic faces, volume fractions, thin layers, phase and face tags."""

import numpy as np
import pytest
from mpi4py import MPI

from meshing import MeshSettings, PeriodicGeometry, inclusion_geometry, inclusions, laminate
from meshing.periodic_model import face_tag
from meshing.rve import build_rve, cell_volumes


def _face_points(rve, axis, position, tol=1e-9):
    x = rve.mesh.geometry.x[:, : rve.dim]
    on_face = np.abs(x[:, axis] - position) < tol * max(rve.box.lengths)
    others = np.delete(x[on_face], axis, axis=1)
    return {tuple(np.round(p, 9)) for p in others}


@pytest.mark.parametrize(
    ("box", "center"),
    [((10.0, 11.0, 12.0), (1.0, 2.0, 11.5)), ((10.0, 8.0), (0.5, 7.9))],
)
def test_wrapped_inclusion_mesh_is_periodic_on_every_face_pair(box, center):
    rve = inclusions(0.15, box, MeshSettings(size=1.2), center=center, comm=MPI.COMM_SELF)
    for axis, length in enumerate(rve.box.lengths):
        low, high = _face_points(rve, axis, 0.0), _face_points(rve, axis, length)
        assert len(low) > 5
        assert low == high


def test_wrapped_inclusion_keeps_its_exact_volume():
    rve = inclusions(0.25, (10.0, 10.0, 10.0), MeshSettings(size=1.0), center=(0.0, 0.0, 0.0), comm=MPI.COMM_SELF)
    assert rve.geometric_volume_fractions["inclusion"] == pytest.approx(0.25, rel=1e-8)
    assert sum(rve.volume_fractions.values()) == pytest.approx(1.0, rel=1e-12)


def test_meshed_fraction_converges_to_the_geometric_one():
    errors = []
    for size in (1.6, 0.8):
        rve = inclusions(0.2, (10.0, 10.0, 10.0), MeshSettings(size=size, curvature_elements=0), comm=MPI.COMM_SELF)
        errors.append(abs(rve.volume_fractions["inclusion"] - 0.2))
    assert errors[1] < 0.5 * errors[0]


def test_every_phase_and_box_face_is_tagged():
    rve = inclusions(0.2, (10.0, 10.0, 10.0), MeshSettings(size=2.0), comm=MPI.COMM_SELF)
    assert set(rve.phases) == {"matrix", "inclusion"}
    num_cells = rve.mesh.topology.index_map(3).size_local
    assert np.sort(rve.cell_tags.indices).tolist() == list(range(num_cells))
    rve.mesh.topology.create_connectivity(2, 3)
    from dolfinx.mesh import exterior_facet_indices

    assert np.array_equal(np.sort(rve.facet_tags.indices), exterior_facet_indices(rve.mesh.topology))
    assert set(np.unique(rve.facet_tags.values)) == {face_tag(a, s) for a in range(3) for s in ("min", "max")}


def test_thin_layer_gets_two_elements_through_its_thickness():
    rve = laminate([6.0, 1.0], ["tablet", "interlayer"], (8.0, 8.0), MeshSettings(size=1.5, phase_size={"interlayer": 1 / 3}), comm=MPI.COMM_SELF)
    x = rve.mesh.geometry.x
    cells = rve.cells_of("interlayer")
    z = x[rve.mesh.geometry.dofmaps[0][cells]][:, :, 2]
    spans_whole_layer = (z.min(axis=1) < 6.0 + 1e-9) & (z.max(axis=1) > 7.0 - 1e-9)
    assert cells.size > 0
    assert not spans_whole_layer.any()
    assert rve.volume_fractions["interlayer"] == pytest.approx(1.0 / 7.0, rel=1e-12)


def test_cell_volumes_add_up_to_the_box():
    rve = inclusions(0.3, (4.0, 5.0), MeshSettings(size=0.5), comm=MPI.COMM_SELF)
    assert cell_volumes(rve.mesh).sum() == pytest.approx(20.0, rel=1e-12)


def test_geometry_without_matrix_that_leaves_space_uncovered_fails_clearly():
    geometry = inclusion_geometry(0.2, (10.0, 10.0))
    uncovered = PeriodicGeometry(geometry.box, None, geometry.shapes)
    with pytest.raises(RuntimeError, match="covered by no shape"):
        build_rve(uncovered, MeshSettings(size=1.0), MPI.COMM_SELF)


def test_uniform_refinement_keeps_the_mesh_periodic_and_puts_new_nodes_on_the_sphere():
    coarse = inclusions(0.2, (10.0, 10.0, 10.0), MeshSettings(size=2.0), comm=MPI.COMM_SELF)
    fine = inclusions(0.2, (10.0, 10.0, 10.0), MeshSettings(size=2.0, uniform_refinements=1), comm=MPI.COMM_SELF)
    assert fine.mesh.topology.index_map(3).size_global == 8 * coarse.mesh.topology.index_map(3).size_global
    for axis, length in enumerate(fine.box.lengths):
        low, high = _face_points(fine, axis, 0.0), _face_points(fine, axis, length)
        assert low == high
    # Midpoints of the coarse interface facets would keep the coarse (inscribed) volume;
    # projected onto the sphere they recover most of the lost volume.
    exact = fine.geometric_volume_fractions["inclusion"]
    assert abs(fine.volume_fractions["inclusion"] - exact) < 0.4 * abs(coarse.volume_fractions["inclusion"] - exact)


def test_two_refinements_keep_the_mesh_valid_and_bring_the_circle_closer_in_2d():
    coarse = inclusions(0.2, (10.0, 10.0), MeshSettings(size=1.6), center=(0.0, 5.0), comm=MPI.COMM_SELF)
    errors = [abs(coarse.volume_fractions["inclusion"] - 0.2)]
    for k in (1, 2):
        fine = inclusions(0.2, (10.0, 10.0), MeshSettings(size=1.6, uniform_refinements=k), center=(0.0, 5.0),
                          comm=MPI.COMM_SELF)
        assert fine.mesh.topology.index_map(2).size_global == 4**k * coarse.mesh.topology.index_map(2).size_global
        assert _face_points(fine, 0, 0.0) == _face_points(fine, 0, 10.0)  # the circle crosses x = 0
        errors.append(abs(fine.volume_fractions["inclusion"] - 0.2))
    # An inscribed polygon's area error falls 4x per halving of its edges.
    assert errors[1] < 0.3 * errors[0] and errors[2] < 0.3 * errors[1]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"size": 1.0, "uniform_refinements": 4}, r"uniform_refinements=4 must be an integer in 0..3"),
        ({"size": 1.0, "uniform_refinements": 1, "mesher": "tensor"}, r"uniform_refinements applies to mesher='gmsh'"),
    ],
)
def test_bad_refinement_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        MeshSettings(**settings)


def test_two_refinements_of_a_curved_3d_interface_are_refused_by_name():
    """DOLFINx splits tetrahedron faces at their longest edge: past one refinement the new nodes
    on the sphere would not be the ones projected."""
    with pytest.raises(ValueError, match=r"uniform_refinements=2 is not available for 3D geometries with curved"):
        inclusions(0.2, (10.0, 10.0, 10.0), MeshSettings(size=1.5, uniform_refinements=2), comm=MPI.COMM_SELF)
