"""Finite specimens: a periodic microstructure tiled and cut to an outline, with notches and patches.

References: the exact area of the outline minus the notch (with its semicircular tip), the
microstructure's own exact phase fractions (an outline of whole cells), and the position of
every boundary facet on its face, patch or notch.
"""

import math

import numpy as np
import pytest
from mpi4py import MPI

from meshing import (
    MeshSettings,
    Refinement,
    laminate_geometry,
    nacre_geometry,
    single_edge_notched_tension,
    specimen_geometry,
    three_point_bending,
)
from meshing.rve import build_rve
from meshing.specimen_mesh import build_specimen


def _facet_midpoints(specimen, boundary):
    mesh = specimen.mesh
    mesh.topology.create_connectivity(specimen.dim - 1, 0)
    facets = specimen.facets_of(boundary)
    vertices = mesh.topology.connectivity(specimen.dim - 1, 0)
    x = mesh.geometry.x
    return np.array([x[vertices.links(f)].mean(axis=0)[: specimen.dim] for f in facets])


@pytest.fixture(scope="module")
def nacre_cell():
    return nacre_geometry(400.0, 60.0, interlayer_thickness=12.0)


def test_an_outline_of_whole_cells_keeps_the_microstructures_exact_fractions(nacre_cell):
    cell = nacre_cell.box.lengths
    settings = MeshSettings(size=20.0, phase_size={"interlayer": 4.0})
    specimen = build_specimen(specimen_geometry([3 * cell[0], 4 * cell[1]], nacre_cell), settings, comm=MPI.COMM_SELF)
    rve = build_rve(nacre_cell, settings, comm=MPI.COMM_SELF)
    for phase, fraction in rve.geometric_volume_fractions.items():
        assert specimen.geometric_volume_fractions[phase] == pytest.approx(fraction, rel=1e-9)
        assert specimen.volume_fractions[phase] == pytest.approx(fraction, rel=1e-9)  # polygons mesh exactly
    assert specimen.boundaries.keys() == {"xmin", "xmax", "ymin", "ymax"}


def test_a_sent_specimen_has_the_exact_notched_area_and_its_boundary_groups(nacre_cell):
    W, H, a, w = 1200.0, 900.0, 300.0, 20.0
    geometry = single_edge_notched_tension(W, H, a, nacre_cell, notch_width=w, origin=(-37.0, 11.0))
    settings = MeshSettings(size=20.0, phase_size={"interlayer": 4.0},
                            refinements=(Refinement((a - 40, H / 2 - 40), (a + 200, H / 2 + 40), 4.0),))
    specimen = build_specimen(geometry, settings, comm=MPI.COMM_SELF)
    notch_area = w * (a - w / 2) + math.pi * (w / 2) ** 2 / 2
    assert specimen.volume == pytest.approx(W * H - notch_area, rel=1e-12)
    assert sum(specimen.volume_fractions.values()) == pytest.approx(1.0, rel=1e-12)
    assert set(specimen.boundaries) == {"xmin", "xmax", "ymin", "ymax", "notch"}
    assert np.abs(_facet_midpoints(specimen, "ymax")[:, 1] - H).max() < 1e-9
    assert np.abs(_facet_midpoints(specimen, "xmin")[:, 0]).max() < 1e-9
    notch = _facet_midpoints(specimen, "notch")
    assert notch[:, 0].max() <= a + 1e-6 and np.abs(notch[:, 1] - H / 2).max() <= w / 2 + 1e-6
    tip = geometry.notches[0].tip_point(geometry.outline)
    assert tip == pytest.approx((a, H / 2))
    # The microstructure really is tiled: many tablet rows across the ligament.
    assert (H / nacre_cell.box.lengths[1]) * 2 >= 10


def test_three_point_bending_has_load_and_support_patches_where_they_belong():
    cell = laminate_geometry([30.0, 10.0], ["stiff", "soft"], (40.0,))
    S, H, a = 400.0, 100.0, 30.0
    geometry = three_point_bending(S, H, a, cell, overhang=25.0, contact_width=10.0)
    specimen = build_specimen(geometry, MeshSettings(size=5.0, phase_size={"soft": 3.0}), comm=MPI.COMM_SELF)
    length = S + 50.0
    load = _facet_midpoints(specimen, "load")
    assert np.abs(load[:, 1] - H).max() < 1e-9 and np.abs(load[:, 0] - length / 2).max() <= 5.0
    for name, centre in (("support_left", 25.0), ("support_right", length - 25.0)):
        support = _facet_midpoints(specimen, name)
        assert np.abs(support[:, 1]).max() < 1e-9 and np.abs(support[:, 0] - centre).max() <= 5.0
    top = _facet_midpoints(specimen, "ymax")
    assert np.all(np.abs(top[:, 0] - length / 2) >= 5.0 - 1e-9)  # the patch is not also part of ymax
    total = sum(specimen.facets_of(b).size for b in specimen.boundaries)
    assert total == specimen.facet_tags.values.size  # every boundary facet in exactly one group


def test_a_3d_notched_specimen_is_cut_through_its_thickness():
    cell = laminate_geometry([30.0, 10.0], ["stiff", "soft"], (40.0, 40.0))
    W, H, B, a, w = 120.0, 120.0, 40.0, 40.0, 8.0
    geometry = single_edge_notched_tension(W, H, a, cell, notch_width=w, thickness=B)
    specimen = build_specimen(geometry, MeshSettings(size=8.0, phase_size={"soft": 3.0}), comm=MPI.COMM_SELF)
    notch_area = w * (a - w / 2) + math.pi * (w / 2) ** 2 / 2
    assert specimen.volume == pytest.approx(B * (W * H - notch_area), rel=1e-12)
    assert set(specimen.boundaries) == {"xmin", "xmax", "ymin", "ymax", "zmin", "zmax", "notch"}
    assert np.abs(_facet_midpoints(specimen, "zmax")[:, 2] - B).max() < 1e-9


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"notches": [{"face": "xmin", "position": 50.0, "depth": 200.0, "width": 5.0}]}, r"reaches through the specimen"),
    ({"notches": [{"face": "xmin", "position": 1.0, "depth": 20.0, "width": 5.0}]}, r"notch position=1.0 nm is outside"),
    ({"notches": [{"face": "zmin", "position": 50.0, "depth": 20.0, "width": 5.0}]}, r"notch face='zmin' is not allowed"),
    ({"patches": [{"name": "load", "face": "ymax", "lower": 90.0, "upper": 120.0}]}, r"'load' \[90.0, 120.0\] nm is outside"),
    ({"notches": [{"face": "ymin", "position": 50.0, "depth": 20.0, "width": 6.0}],
      "patches": [{"name": "support", "face": "ymin", "lower": 45.0, "upper": 60.0}]}, "overlaps the notch"),
    ({"notches": [{"face": "ymin", "position": 50.0, "depth": 20.0, "width": 6.0, "radius": 2.0}]}, "unexpected keyword"),
])
def test_bad_specimens_are_refused_naming_the_parameter(kwargs, message):
    cell = laminate_geometry([30.0, 10.0], ["stiff", "soft"], (40.0,))
    with pytest.raises(ValueError, match=message):
        specimen_geometry([100.0, 100.0], cell, **kwargs)


def test_a_microstructure_of_another_dimension_is_refused():
    cell = laminate_geometry([30.0, 10.0], ["stiff", "soft"], (40.0, 40.0))
    with pytest.raises(ValueError, match="the microstructure is 3D but the outline is 2D"):
        specimen_geometry([100.0, 100.0], cell)


def test_a_sent_notch_from_the_ymin_face_runs_along_x2_at_mid_width(nacre_cell):
    # The nacre orientation: a crack across the tablet rows (stacked along x2), pulled along x1.
    W, H, a, w = 900.0, 600.0, 120.0, 10.0
    geometry = single_edge_notched_tension(W, H, a, nacre_cell, notch_width=w, notch_face="ymin")
    notch = geometry.notches[0]
    assert (notch.face, notch.axis, notch.position, notch.depth) == ("ymin", 1, W / 2, a)
    specimen = build_specimen(geometry, MeshSettings(size=20.0, phase_size={"interlayer": 4.0}), comm=MPI.COMM_SELF)
    notch_area = w * (a - w / 2) + math.pi * (w / 2) ** 2 / 2
    assert specimen.volume == pytest.approx(W * H - notch_area, rel=1e-12)
    lips = _facet_midpoints(specimen, "notch")
    assert np.all(np.abs(lips[:, 0] - W / 2) <= w / 2 + 1e-9) and lips[:, 1].max() == pytest.approx(a, abs=1.0)
    with pytest.raises(ValueError, match="notch_face='zmin'.*allowed: xmin, ymin"):
        single_edge_notched_tension(W, H, a, nacre_cell, notch_face="zmin")
