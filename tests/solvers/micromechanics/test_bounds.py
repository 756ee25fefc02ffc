"""Closed-form bounds and estimates against the check values of REFERENCES.md."""

import numpy as np
import pytest

from solvers.micromechanics.bounds import (
    anisotropy_index,
    cubic_polycrystal_bounds,
    cubic_polycrystal_self_consistent,
    dilute_spheres,
    hashin_shtrikman_bulk,
    hashin_shtrikman_shear,
    isotropic_projection,
    laminate_isotropic,
    laminate_stiffness,
    tension_shear_modulus,
    mori_tanaka_spheres,
    reuss_average,
    voigt_average,
    voigt_reuss_hill,
)
from solvers.micromechanics.material_library import library_material
from solvers.micromechanics.materials import bulk_shear_from_E_nu, isotropic_stiffness, stiffness_from_constants
from solvers.micromechanics.voigt import rotation_from_euler, rotate_stiffness

K1, G1 = bulk_shear_from_E_nu(3.0, 0.35)
K2, G2 = bulk_shear_from_E_nu(70.0, 0.2)


@pytest.mark.parametrize(
    ("c2", "G_lower", "G_upper", "K_lower"),
    [(0.3, 2.030, 6.216, 5.062), (0.5, 3.166, 10.697, 7.122)],
)
def test_hashin_shtrikman_matches_reference_check_values(c2, G_lower, G_upper, K_lower):
    fractions = [1 - c2, c2]
    G_lo, G_hi = hashin_shtrikman_shear([K1, K2], [G1, G2], fractions)
    K_lo, _ = hashin_shtrikman_bulk([K1, K2], [G1, G2], fractions)
    assert G_lo == pytest.approx(G_lower, abs=6e-4)
    assert G_hi == pytest.approx(G_upper, abs=6e-4)
    assert K_lo == pytest.approx(K_lower, abs=6e-4)


def test_mori_tanaka_equals_hs_lower_bound_for_stiff_spheres_in_soft_matrix():
    for c in (0.1, 0.3, 0.5):
        K, G = mori_tanaka_spheres(K1, G1, K2, G2, c)
        assert K == pytest.approx(hashin_shtrikman_bulk([K1, K2], [G1, G2], [1 - c, c])[0], rel=1e-12)
        assert G == pytest.approx(hashin_shtrikman_shear([K1, K2], [G1, G2], [1 - c, c])[0], rel=1e-12)


def test_dilute_and_mori_tanaka_agree_to_first_order_in_fraction():
    c = 1e-4
    K_mt, G_mt = mori_tanaka_spheres(K1, G1, K2, G2, c)
    K_d, G_d = dilute_spheres(K1, G1, K2, G2, c)
    assert abs(K_mt - K_d) < 1e-3 * abs(K_mt - K1)
    assert abs(G_mt - G_d) < 1e-3 * abs(G_mt - G1)


def test_general_laminate_rule_reproduces_the_isotropic_closed_form():
    E, nu, c = [3.0, 70.0, 20.0], [0.35, 0.2, 0.3], [0.5, 0.3, 0.2]
    general = laminate_stiffness([isotropic_stiffness(e, n) for e, n in zip(E, nu, strict=True)], c, normal=2)
    assert np.allclose(general, laminate_isotropic(E, nu, c), rtol=1e-13, atol=1e-12)


def test_laminate_of_identical_layers_is_the_layer_and_lies_between_voigt_and_reuss():
    C_ara = library_material("aragonite", euler_deg=[10, 20, 30]).stiffness
    assert np.allclose(laminate_stiffness([C_ara, C_ara], [0.4, 0.6]), C_ara, rtol=1e-12)
    layers = [C_ara, isotropic_stiffness(3.0, 0.35)]
    C = laminate_stiffness(layers, [0.7, 0.3], normal=0)
    assert np.linalg.eigvalsh(voigt_average(layers, [0.7, 0.3]) - C).min() > -1e-10
    assert np.linalg.eigvalsh(C - reuss_average(layers, [0.7, 0.3])).min() > -1e-10


def test_laminate_normal_axis_is_a_rotation_of_the_stack():
    layers = [isotropic_stiffness(3.0, 0.35), library_material("hydroxyapatite").stiffness]
    R = rotation_from_euler(0.0, 90.0, 0.0)  # x3 -> -x2: layers normal to x2
    rotated_layers = [rotate_stiffness(C, R) for C in layers]
    expected = rotate_stiffness(laminate_stiffness(layers, [0.5, 0.5], normal=2), R)
    assert np.allclose(laminate_stiffness(rotated_layers, [0.5, 0.5], normal=1), expected, rtol=1e-12, atol=1e-10)


def test_isotropic_projection_and_vrh_of_an_isotropic_tensor_return_its_moduli():
    K, G = bulk_shear_from_E_nu(70.0, 0.2)
    C = isotropic_stiffness(70.0, 0.2)
    assert np.allclose(isotropic_projection(C), (K, G), rtol=1e-13)
    vrh = voigt_reuss_hill(C)
    assert np.allclose([vrh["K_V"], vrh["K_R"], vrh["G_V"], vrh["G_R"]], [K, K, G, G], rtol=1e-12)


def test_aragonite_aggregate_moduli_match_the_published_vrh_values():
    # Liu et al. (2005) report VRH aggregate moduli K = 68.9 GPa and G = 35.8 GPa for their constants.
    vrh = voigt_reuss_hill(library_material("aragonite").stiffness)
    assert vrh["K_H"] == pytest.approx(68.9, abs=0.15)
    assert vrh["G_H"] == pytest.approx(35.8, abs=0.15)


def test_fractions_that_do_not_sum_to_one_are_refused():
    with pytest.raises(ValueError, match="summing to 1"):
        voigt_average([np.eye(6), np.eye(6)], [0.5, 0.6])


MANDEL = np.diag([1.0, 1.0, 1.0, np.sqrt(2), np.sqrt(2), np.sqrt(2)])


def _hs_polycrystal_shear_by_tensor_average(C, K0, G0):
    """General HS estimate of a random aggregate, C_HS = <(C + C*)^-1>^-1 - C*, with the Hill
    constraint tensor C* of the isotropic comparison medium (K0, G0); the orientation average of
    a tensor is its projection on J (bulk) and K (deviatoric)."""
    J = np.zeros((6, 6))
    J[:3, :3] = 1 / 3
    Kp = np.eye(6) - J
    K_star, G_star = 4 * G0 / 3, G0 * (9 * K0 + 8 * G0) / (6 * (K0 + 2 * G0))
    C_star = 3 * K_star * J + 2 * G_star * Kp
    A = np.linalg.inv(MANDEL @ C @ MANDEL + C_star)
    shear_part = np.trace(Kp @ A) / 5
    return (1 / shear_part - 2 * G_star) / 2


def test_cubic_polycrystal_bounds_equal_the_general_hashin_shtrikman_tensor_formula():
    copper = library_material("copper")
    C11, C12, C44 = copper.stiffness[0, 0], copper.stiffness[0, 1], copper.stiffness[3, 3]
    K = (C11 + 2 * C12) / 3
    lower, upper = cubic_polycrystal_bounds(C11, C12, C44)
    assert lower == pytest.approx(_hs_polycrystal_shear_by_tensor_average(copper.stiffness, K, (C11 - C12) / 2), rel=1e-12)
    assert upper == pytest.approx(_hs_polycrystal_shear_by_tensor_average(copper.stiffness, K, C44), rel=1e-12)


@pytest.mark.parametrize(("C11", "C12", "C44"), [(168.4, 121.4, 75.4), (108.2, 61.3, 28.5), (165.7, 63.9, 79.6),
                                                 (100.0, 60.0, 10.0)])
def test_cubic_polycrystal_bounds_nest_inside_voigt_reuss_and_hold_the_self_consistent_value(C11, C12, C44):
    # Cu, Al, Si and a crystal with C44 < (C11 - C12)/2 (the bounds swap their reference phases).
    vrh = voigt_reuss_hill(stiffness_from_constants({"C11": C11, "C12": C12, "C44": C44}, "cubic"))
    lower, upper = cubic_polycrystal_bounds(C11, C12, C44)
    self_consistent = cubic_polycrystal_self_consistent(C11, C12, C44)
    assert vrh["G_R"] < lower < self_consistent < upper < vrh["G_V"]


def test_isotropic_cubic_crystal_has_no_spread_and_no_anisotropy():
    C11, C12 = 200.0, 80.0
    C44 = (C11 - C12) / 2
    assert cubic_polycrystal_bounds(C11, C12, C44) == (pytest.approx(C44), pytest.approx(C44))
    assert cubic_polycrystal_self_consistent(C11, C12, C44) == pytest.approx(C44, rel=1e-10)
    assert anisotropy_index(stiffness_from_constants({"C11": C11, "C12": C12, "C44": C44}, "cubic")) < 1e-14


def test_anisotropy_index_does_not_depend_on_the_frame():
    C = library_material("copper").stiffness
    turned = rotate_stiffness(C, rotation_from_euler(31.0, 47.0, 113.0))
    assert anisotropy_index(C) > 0.1
    assert anisotropy_index(turned) == pytest.approx(anisotropy_index(C), rel=1e-10)


def test_nonpositive_cubic_constants_are_refused():
    with pytest.raises(ValueError, match="C44"):
        cubic_polycrystal_bounds(100.0, 120.0, 30.0)


def test_tension_shear_chain_limits_and_its_reference_form():
    # Ji & Gao (2004) with nacre's numbers: phi = 0.95, rho = 10, G_p = 1.4 GPa, E_m = 100 GPa.
    E = tension_shear_modulus(100.0, 1.4, 0.95, 10.0)
    assert 1 / E == pytest.approx(4 * 0.05 / (1.4 * 0.95**2 * 100) + 1 / 95.0, rel=1e-14)
    assert tension_shear_modulus(100.0, 1e12, 0.95, 10.0) == pytest.approx(95.0, rel=1e-9)  # rigid shear: phi E_m
    assert tension_shear_modulus(100.0, 1.4, 0.95, 1e6) == pytest.approx(95.0, rel=1e-9)  # endless platelets
    assert tension_shear_modulus(100.0, 1.4, 1.0, 10.0) == pytest.approx(100.0, rel=1e-14)  # all mineral
    with pytest.raises(ValueError, match=r"mineral_fraction=1.2 is outside the allowed range \(0, 1\]"):
        tension_shear_modulus(100.0, 1.4, 1.2, 10.0)
