"""Pure geometry and mesh settings: validation before any gmsh work."""

import math

import pytest

from meshing import Ball, Box, MeshSettings, PeriodicGeometry, inclusion_geometry, laminate_geometry
from meshing.inclusions import max_single_inclusion_fraction
from meshing.periodic_model import check_resolution


def test_box_needs_two_or_three_positive_lengths():
    assert Box((1, 2, 3)).volume == 6
    with pytest.raises(ValueError, match=r"box\[1\]=-2.0 is not allowed; must be a positive length"):
        Box((1, -2, 3))
    with pytest.raises(ValueError, match="2 \\(2D\\) or 3 \\(3D\\)"):
        Box((1,))


def test_single_sphere_radius_gives_the_target_fraction():
    geometry = inclusion_geometry(0.3, (10, 12, 14))
    (ball,) = geometry.shapes
    assert ball.volume() / geometry.box.volume == pytest.approx(0.3, rel=1e-14)
    assert geometry.phase_names == ("matrix", "inclusion")


def test_single_inclusion_limit_is_pi_over_6_in_a_cube_and_pi_over_4_in_a_square():
    assert max_single_inclusion_fraction(Box((2, 2, 2))) == pytest.approx(math.pi / 6)
    assert max_single_inclusion_fraction(Box((2, 2))) == pytest.approx(math.pi / 4)


@pytest.mark.parametrize("fraction", [0.0, -0.1, 0.53, 1.2])
def test_impossible_inclusion_fraction_is_refused_with_the_allowed_range(fraction):
    with pytest.raises(ValueError, match=rf"volume_fraction={fraction} is outside \(0, 0.5236\)"):
        inclusion_geometry(fraction, (10, 10, 10))


def test_negative_box_is_refused():
    with pytest.raises(ValueError, match=r"box\[0\]=-10.0"):
        inclusion_geometry(0.2, (-10, 10, 10))


def test_laminate_layers_stack_along_the_last_axis():
    geometry = laminate_geometry([2.0, 3.0, 1.0], ["a", "b", "a"], width=(4.0, 5.0))
    assert geometry.box.lengths == (4.0, 5.0, 6.0)
    assert [(s.lower, s.upper) for s in geometry.shapes] == [(0.0, 2.0), (2.0, 5.0), (5.0, 6.0)]
    assert geometry.phase_names == ("a", "b")


def test_laminate_that_overlaps_or_leaves_a_gap_is_refused():
    with pytest.raises(ValueError, match="add up to 6 nm but the box height is 5 nm: the layers would overlap"):
        laminate_geometry([2.0, 3.0, 1.0], ["a", "b", "a"], width=(4.0,), height=5.0)
    with pytest.raises(ValueError, match="leave a gap"):
        laminate_geometry([2.0, 3.0], ["a", "b"], width=(4.0,), height=7.0)


def test_laminate_negative_thickness_and_missing_phase_are_refused():
    with pytest.raises(ValueError, match=r"thicknesses\[1\]=-3.0 nm is not allowed"):
        laminate_geometry([2.0, -3.0], ["a", "b"], width=(4.0,))
    with pytest.raises(ValueError, match="one phase per layer"):
        laminate_geometry([2.0, 3.0], ["a"], width=(4.0,))


def test_mesh_too_coarse_for_a_thin_layer_is_refused_naming_the_layer_and_the_size_needed():
    geometry = laminate_geometry([10.0, 1.0], ["tablet", "interlayer"], width=(20.0,))
    with pytest.raises(ValueError, match=r"phase 'interlayer'.*1 nm.*size <= 0.3333 nm.*mesh.phase_size.interlayer"):
        check_resolution(geometry, MeshSettings(size=2.0, phase_size={"interlayer": 0.5}))
    check_resolution(geometry, MeshSettings(size=2.0, phase_size={"interlayer": 1 / 3}))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": -1.0}, r"mesh size=-1.0 nm is not allowed"),
        ({"size": 1.0, "phase_size": {"a": 0.0}}, r"phase_size\['a'\]=0.0 nm"),
        ({"size": 1.0, "algorithm_3d": "magic"}, "algorithm_3d='magic'"),
    ],
)
def test_bad_mesh_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MeshSettings(**kwargs)


def test_shape_of_the_wrong_dimension_is_refused():
    with pytest.raises(ValueError, match="is 2D but the box is 3D"):
        PeriodicGeometry(Box((1, 1, 1)), "matrix", (Ball("p", (0.5, 0.5), 0.1),))


def test_hxt_is_refused_for_layered_geometry():
    geometry = laminate_geometry([3.0, 1.0], ["a", "b"], width=(4.0, 4.0))
    with pytest.raises(ValueError, match="algorithm_3d='hxt' does not keep the element size inside thin layers"):
        check_resolution(geometry, MeshSettings(size=0.3, algorithm_3d="hxt"))
