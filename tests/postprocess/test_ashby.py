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


def test_a_2d_design_is_placed_at_its_true_youngs_modulus_not_the_plane_strain_one():
    # A homogeneous 2D RVE of an isotropic solid (E = 70 GPa, nu = 0.3) solved as the analysis
    # solves it: its Young's modulus is 70 GPa, not the plane-strain 70 / (1 - 0.09) = 76.9 GPa.
    from mpi4py import MPI

    from meshing import MeshSettings, inclusions
    from solvers.analyses.stiffness import effective_stiffness
    from solvers.micromechanics.materials import isotropic

    solid = isotropic(70.0, 0.3, 2.5)
    rve = inclusions(0.2, (4.0, 4.0), MeshSettings(size=0.5), comm=MPI.COMM_SELF)
    summary = effective_stiffness(rve, {"matrix": solid, "inclusion": solid}).summary()
    assert design_point(summary) == pytest.approx({"density": 2.5, "E": 70.0}, rel=1e-8)


def test_a_2d_result_without_its_generalized_stiffness_is_left_off_the_chart():
    plane_strain = {"C": isotropic_stiffness(70.0, 0.3)[[0, 1, 5]][:, [0, 1, 5]].tolist(), "density": 2.5}
    with pytest.raises(ValueError, match="generalized plane-strain stiffness"):
        design_point(plane_strain)
    figure = plot_ashby([plane_strain], ["static BCs"])
    assert not [line for line in figure.axes[0].lines if line.get_marker() == "*"]


def test_a_cracked_rve_sits_at_its_strength_and_the_irwin_toughness_of_its_crack_energy():
    # A 2D cell 12 nm long along the load (x2), cracked once across: W_d V = Gc A, so the crack
    # energy per cross-section is Gc, and K = sqrt(E Gc) (Irwin) with E the loading modulus.
    E, Gc, length, width = 100.0, 2.0, 12.0, 2.0
    dissipated_GPa = Gc * width / (length * width)                    # GPa = Gc A / V
    summary = {"density": 3.0, "geometry": {"body": "rve", "box": [width, length]},
               "toughness": {"mode": "rve", "loaded_component": "22", "modulus_GPa": E, "peak_strength_GPa": 1.5,
                             "dissipated_energy_MJ_m3": 1e3 * dissipated_GPa}}
    point = design_point(summary)
    assert point["strength"] == 1.5
    assert point["toughness"] == pytest.approx((E * 1e9 * Gc) ** 0.5 / 1e6, rel=1e-12)   # MPa m^1/2
    notched = {"density": 3.0, "toughness": {"mode": "notched", "K_JC_MPa_sqrt_m": 0.4}}
    assert design_point(notched) == {"density": 3.0, "toughness": 0.4}


def test_the_strength_toughness_chart_draws_the_references_that_have_both():
    rows = [row for row in reference_materials() if {"strength", "toughness"} <= set(row.ranges)]
    assert {"nacre (dry)", "Zr-based metallic glass", "steels"} <= {row.name for row in rows}
    fig = plot_ashby([], [], x="toughness", y="strength")
    assert len(fig.axes[0].patches) == len(rows)
