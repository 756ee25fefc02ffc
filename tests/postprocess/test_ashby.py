"""Ashby chart: cited reference data, derived rows that match their sources, design placement."""

import pytest

from postprocess.ashby import design_point, plot_ashby, reference_materials
from solvers.micromechanics.bounds import voigt_reuss_hill
from solvers.micromechanics.material_library import library_material
from solvers.micromechanics.materials import E_nu_from_bulk_shear, isotropic_stiffness


def test_every_reference_row_cites_a_source_and_has_ordered_ranges():
    rows = reference_materials()
    assert len(rows) >= 10
    for row in rows:
        assert len(row.source) > 10
        for low, high in row.ranges.values():
            assert 0 < low <= high


def test_derived_mineral_rows_match_the_crystal_constants():
    rows = {row.name: row for row in reference_materials()}
    for name, material in (("hydroxyapatite (polycrystal)", "hydroxyapatite"), ("aragonite (polycrystal)", "aragonite")):
        vrh = voigt_reuss_hill(library_material(material).stiffness)
        E, _ = E_nu_from_bulk_shear(vrh["K_H"], vrh["G_H"])
        assert rows[name].ranges["E"][0] == pytest.approx(E, abs=0.1)
        assert rows[name].ranges["density"][0] == library_material(material).density


def test_design_point_of_an_isotropic_design_is_its_E_and_density():
    summary = {"C": isotropic_stiffness(92.0, 0.36).tolist(), "density": 6.3}
    assert design_point(summary) == pytest.approx({"density": 6.3, "E": 92.0})


def test_chart_places_the_design_star():
    summary = {"C": isotropic_stiffness(92.0, 0.36).tolist(), "density": 6.3}
    figure = plot_ashby([summary], ["glass"])
    stars = [line for line in figure.axes[0].lines if line.get_marker() == "*"]
    assert len(stars) == 1
    assert stars[0].get_xydata()[0] == pytest.approx([6.3, 92.0])
