"""Nacre, enamel and staggered-film geometry: fractions against closed forms, and bad input."""

import math

import numpy as np
import pytest

from meshing import Block, Prism, Slab, enamel_geometry, nacre_geometry, staggered_laminate_geometry
from meshing.enamel import max_wire_fraction
from meshing.nacre import mineral_fraction

# ---------------------------------------------------------------------------------------- nacre


def test_square_brick_mineral_fraction_is_the_closed_form():
    L, h, t = 20.0, 1.0, 0.05
    assert mineral_fraction(nacre_geometry(L, h, interlayer_thickness=t)) == pytest.approx(L * h / ((L + t) * (h + t)), rel=1e-13)
    W = 12.0
    expected = L * W * h / ((L + t) * (W + t) * (h + t))
    assert mineral_fraction(nacre_geometry(L, h, interlayer_thickness=t, dim=3, tablet_width=W)) == pytest.approx(expected, rel=1e-13)


def test_mineral_fraction_target_solves_the_interlayer_thickness():
    geometry = nacre_geometry(5000.0, 450.0, volume_fraction=0.95, bridges_per_face=3, bridge_diameter=30.0)
    assert mineral_fraction(geometry) == pytest.approx(0.95, rel=1e-9)
    assert {s.phase for s in geometry.shapes} == {"tablet", "bridge"}


def test_square_bridges_have_the_cross_section_of_the_round_ones_and_sit_where_they_do():
    args = {"tablet_length": 5000.0, "tablet_thickness": 500.0, "interlayer_thickness": 25.0, "dim": 3,
            "bridges_per_face": 3, "bridge_diameter": 50.0}
    round_ = [s for s in nacre_geometry(**args).shapes if s.phase == "bridge"]
    square = [s for s in nacre_geometry(**args, bridge_shape="square").shapes if s.phase == "bridge"]
    assert len(square) == len(round_) > 0
    assert all(isinstance(s, Block) for s in square)
    for post, cylinder in zip(square, round_, strict=True):
        side = np.subtract(post.upper, post.lower)
        assert side[0] * side[1] == pytest.approx(math.pi * cylinder.radius**2, rel=1e-12)
        assert side[2] == pytest.approx(25.0)
        assert np.add(post.lower, post.upper)[:2] / 2 == pytest.approx(cylinder.base[:2], rel=1e-12)


def test_stagger_shifts_the_second_row_by_the_overlap_ratio():
    L, t = 10.0, 0.1
    rows = [s for s in nacre_geometry(L, 1.0, overlap_ratio=0.3, interlayer_thickness=t).shapes if s.phase == "tablet"]
    assert rows[1].lower[0] - rows[0].lower[0] == pytest.approx(0.3 * (L + t))


def test_dovetail_tablet_keeps_its_area_and_thins_at_the_centre():
    L, h, angle = 10.0, 1.0, 3.0
    tablets = [s for s in nacre_geometry(L, h, interlayer_thickness=0.1, dovetail_deg=angle).shapes]
    assert all(isinstance(s, Prism) for s in tablets)
    assert tablets[0].area() == pytest.approx(L * h, rel=1e-12)
    assert tablets[0].min_thickness() == pytest.approx(h - L / 2 * math.tan(math.radians(angle)), rel=1e-9)


def test_voronoi_tablets_are_deterministic_for_a_seed_and_fill_most_of_the_row():
    def tablets(seed):
        return [s for s in nacre_geometry(10.0, 2.0, interlayer_thickness=0.2, dim=3, tablet_shape="voronoi",
                                          tablets_per_row=5, seed=seed).shapes]

    first, again, other = tablets(3), tablets(3), tablets(4)
    assert [s.vertices for s in first] == [s.vertices for s in again]
    assert [s.vertices for s in first] != [s.vertices for s in other]
    row_area = 10.0**2 * 5
    area = sum(s.area() for s in first[:5])
    assert 0.85 * row_area < area < row_area  # head joints take the rest


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"overlap_ratio": 0.7}, r"overlap_ratio=0.7 is outside the allowed range \[0, 0.5\]"),
        ({"interlayer_thickness": -0.1}, r"interlayer_thickness=-0.1 is not allowed"),
        ({"volume_fraction": 0.9}, "give exactly one of interlayer_thickness"),
        ({"dovetail_deg": 3.0, "overlap_ratio": 0.3}, "dovetail tablets need dim = 2, overlap_ratio = 0.5"),
        ({"dovetail_deg": 3.0, "dim": 3}, "dovetail tablets need dim = 2"),
        ({"bridges_per_face": 2}, "needs bridge_diameter"),
        ({"tablet_shape": "hexagon"}, "tablet_shape='hexagon' is not known"),
        ({"dovetail_deg": 15.0}, "the tablet centre would vanish"),
        ({"bridge_shape": "hexagonal"}, "bridge_shape='hexagonal' is not known; allowed: round, square"),
    ],
)
def test_bad_nacre_input_is_refused(kwargs, message):
    args = {"tablet_length": 10.0, "tablet_thickness": 1.0, "interlayer_thickness": 0.1, **kwargs}
    with pytest.raises(ValueError, match=message):
        nacre_geometry(**args)


@pytest.mark.parametrize("fraction", [0.9999999, 0.1])
def test_unreachable_mineral_fraction_is_refused_with_the_range(fraction):
    with pytest.raises(ValueError, match=rf"volume_fraction={fraction} is outside the reachable range"):
        nacre_geometry(10.0, 1.0, volume_fraction=fraction)

# --------------------------------------------------------------------------------------- enamel


@pytest.mark.parametrize("packing", ["square", "hexagonal"])
def test_wire_fraction_is_the_target(packing):
    geometry = enamel_geometry(40.0, 0.55, coating_thickness=2.0, packing=packing, length=10.0)
    wires = [s for s in geometry.shapes if s.phase == "wire"]
    assert len(wires) == (1 if packing == "square" else 2)
    inside = sum(math.pi * s.radius**2 * geometry.box.lengths[2] for s in wires)
    assert inside / geometry.box.volume == pytest.approx(0.55, rel=1e-12)
    assert [f.name for f in geometry.thin_features][-1] == "coating around each wire"


def test_tilted_wires_close_on_themselves_after_one_lattice_step():
    geometry = enamel_geometry(40.0, 0.3, packing="square", misalignment_deg=20.0)
    a, _, height = geometry.box.lengths
    assert height * math.tan(math.radians(20.0)) == pytest.approx(a, rel=1e-12)


def test_uncoated_array_has_no_coating_phase():
    assert enamel_geometry(40.0, 0.4).phase_names == ("matrix", "wire")


def test_max_wire_fraction_is_touching_coated_wires():
    assert max_wire_fraction("square", 2.0, 0.0) == pytest.approx(math.pi / 4)
    assert max_wire_fraction("hexagonal", 2.0, 0.5) == pytest.approx(math.pi / (2 * math.sqrt(3)) * (2 / 3) ** 2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"volume_fraction": 0.8}, r"volume_fraction=0.8 is outside \(0, 0.7"),
        ({"packing": "cubic"}, "packing='cubic' is not known"),
        ({"coating_thickness": -1.0}, "coating_thickness=-1.0 nm is not allowed"),
        ({"misalignment_deg": 0.5}, "needs a cell 115 wire spacings tall"),
        ({"misalignment_deg": 10.0, "dim": 2}, "misalignment_deg needs dim = 3"),
    ],
)
def test_bad_enamel_input_is_refused(kwargs, message):
    args = {"wire_diameter": 40.0, "volume_fraction": 0.5, "coating_thickness": 2.0, **kwargs}
    with pytest.raises(ValueError, match=message):
        enamel_geometry(**args)

# ------------------------------------------------------------------------------- staggered film


def test_infinite_sheets_are_slabs_and_finite_sheets_are_staggered_blocks():
    infinite = staggered_laminate_geometry(20.0, 0.7, 1.5, 1.0, gap=0.0, layers=2)
    assert all(isinstance(s, Slab) for s in infinite.shapes)
    finite = staggered_laminate_geometry(20.0, 0.7, 1.5, 1.0, gap=4.0, stagger=0.25, layers=2)
    sheets = [s for s in finite.shapes if s.phase == "sheet"]
    assert all(isinstance(s, Block) for s in sheets)
    assert sheets[1].lower[0] - sheets[0].lower[0] == pytest.approx(0.25 * 24.0)
    assert finite.box.lengths == pytest.approx((24.0, 2 * (0.7 + 3.0 + 1.0)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"gap": 2.0}, r"gap=2.0 nm is not allowed; must be 0 \(infinite sheets\) or > 2 x coating_thickness"),
        ({"stagger": 1.0}, r"stagger=1.0 is outside the allowed range \[0, 1\)"),
        ({"layers": 0}, "layers=0 must be an integer >= 1"),
        ({"sheet_thickness": 0.0}, "sheet_thickness=0.0 is not allowed"),
    ],
)
def test_bad_film_input_is_refused(kwargs, message):
    args = {"sheet_length": 20.0, "sheet_thickness": 0.7, "coating_thickness": 1.5, "interlayer_thickness": 1.0, "gap": 4.0,
            **kwargs}
    with pytest.raises(ValueError, match=message):
        staggered_laminate_geometry(**args)


def test_voronoi_and_dovetail_prisms_report_the_right_thinnest_dimension():
    square = Prism("p", ((0, 0), (2, 0), (2, 1), (0, 1)))
    assert square.min_thickness() == pytest.approx(1.0)
    assert np.isclose(Prism("p", ((0, 0), (4, 0), (4, 3), (0, 3)), 0.0, 0.5).min_thickness(), 0.5)
