"""Materials: stiffness from constants, rotations, the named library and input validation."""

import numpy as np
import pytest

from solvers.micromechanics.material_library import LIBRARY, known_materials, library_material, material_from_spec
from solvers.micromechanics.materials import (
    E_nu_from_bulk_shear,
    Material,
    anisotropic,
    bulk_shear_from_E_nu,
    isotropic,
    isotropic_stiffness,
)
from solvers.micromechanics.voigt import (
    plane_strain,
    rotate_stiffness,
    rotation_from_euler,
    tensor_to_voigt,
    voigt_to_tensor,
)


def test_isotropic_stiffness_has_lame_entries():
    E, nu = 70.0, 0.2
    lam, mu = E * nu / ((1 + nu) * (1 - 2 * nu)), E / (2 * (1 + nu))
    C = isotropic_stiffness(E, nu)
    assert C[0, 0] == pytest.approx(lam + 2 * mu)
    assert C[0, 1] == pytest.approx(lam)
    assert C[3, 3] == pytest.approx(mu)
    assert np.allclose(E_nu_from_bulk_shear(*bulk_shear_from_E_nu(E, nu)), (E, nu), rtol=1e-14)


def test_voigt_tensor_round_trip():
    C = library_material("aragonite").stiffness
    assert np.array_equal(tensor_to_voigt(voigt_to_tensor(C)), C)


def test_rotation_leaves_an_isotropic_stiffness_unchanged():
    C = isotropic_stiffness(92.0, 0.36)
    assert np.allclose(rotate_stiffness(C, rotation_from_euler(17, 63, -140)), C, atol=1e-11)


def test_quarter_turn_about_x3_swaps_the_orthorhombic_axes():
    C = library_material("aragonite").stiffness
    Cr = rotate_stiffness(C, rotation_from_euler(90, 0, 0))
    assert Cr[0, 0] == pytest.approx(C[1, 1]) and Cr[1, 1] == pytest.approx(C[0, 0])
    assert Cr[0, 2] == pytest.approx(C[1, 2]) and Cr[3, 3] == pytest.approx(C[4, 4])
    assert Cr[2, 2] == pytest.approx(C[2, 2]) and Cr[5, 5] == pytest.approx(C[5, 5])


def test_rotated_crystal_stores_the_same_energy_for_the_rotated_strain():
    C = library_material("hydroxyapatite").stiffness
    R = rotation_from_euler(25, 50, 75)
    eps = np.array([[1.0, 0.2, -0.3], [0.2, -0.5, 0.1], [-0.3, 0.1, 0.4]]) * 1e-3
    eps_rot = R @ eps @ R.T
    energy = np.einsum("ij,ijkl,kl", eps, voigt_to_tensor(C), eps)
    energy_rot = np.einsum("ij,ijkl,kl", eps_rot, voigt_to_tensor(rotate_stiffness(C, R)), eps_rot)
    assert energy_rot == pytest.approx(energy, rel=1e-12)


def test_plane_strain_block_is_the_11_22_12_part():
    C = isotropic_stiffness(3.0, 0.35)
    Cps = plane_strain(C)
    assert Cps.shape == (3, 3)
    assert Cps[0, 0] == C[0, 0] and Cps[0, 1] == C[0, 1] and Cps[2, 2] == C[5, 5]


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_every_library_material_is_valid_and_cites_a_source(name):
    material = library_material(name)
    assert material.source.strip()
    assert np.linalg.eigvalsh(material.stiffness).min() > 0
    assert 0.5 < material.density < 25


def test_hexagonal_hydroxyapatite_is_transversely_isotropic_about_x3():
    C = library_material("hydroxyapatite").stiffness
    assert np.allclose(rotate_stiffness(C, rotation_from_euler(37, 0, 0)), C, atol=1e-10)


def test_material_spec_forms():
    assert material_from_spec("PVA").E == LIBRARY["PVA"]["E"]
    turned = material_from_spec({"name": "aragonite", "euler_deg": [90, 0, 0]})
    assert turned.stiffness[0, 0] == pytest.approx(LIBRARY["aragonite"]["constants"]["C22"])
    inline = material_from_spec({"E": 70, "nu": 0.2, "density": 2.5}, label="glass")
    assert inline.name == "glass" and inline.is_isotropic
    crystal = material_from_spec({"C": isotropic_stiffness(10, 0.3).tolist(), "density": 1.0})
    assert not crystal.is_isotropic


@pytest.mark.parametrize("nu", [0.5, 0.6, -1.0, -1.5])
def test_poisson_ratio_outside_range_is_refused(nu):
    with pytest.raises(ValueError, match=rf"nu={nu} is outside the allowed range \(-1, 0.5\)"):
        isotropic(70.0, nu, 2.0)


def test_non_positive_young_modulus_and_density_are_refused():
    with pytest.raises(ValueError, match=r"E=-3.0 GPa is not allowed; must be > 0"):
        isotropic(-3.0, 0.3, 1.0)
    with pytest.raises(ValueError, match=r"density=0.0 g/cm\^3 is not allowed"):
        isotropic(3.0, 0.3, 0.0)


def test_non_positive_definite_stiffness_is_refused():
    C = isotropic_stiffness(70, 0.2)
    C[0, 1] = C[1, 0] = 2 * C[0, 0]
    with pytest.raises(ValueError, match="not positive definite"):
        anisotropic(C, 2.0, name="bad")


def test_non_symmetric_stiffness_is_refused():
    C = isotropic_stiffness(70, 0.2)
    C[0, 3] = 5.0
    with pytest.raises(ValueError, match="symmetric"):
        Material("bad", C, 1.0)


def test_unknown_material_names_the_known_ones_and_a_close_match():
    with pytest.raises(ValueError, match=r"unknown material 'aragonit'.*Did you mean 'aragonite'") as info:
        library_material("aragonit")
    assert all(name in str(info.value) for name in known_materials())


def test_orientation_of_an_isotropic_material_is_refused():
    with pytest.raises(ValueError, match="isotropic; an orientation"):
        material_from_spec({"name": "PVA", "euler_deg": [0, 10, 0]})


def test_inline_material_without_density_is_refused():
    with pytest.raises(ValueError, match="'density'"):
        material_from_spec({"E": 3.0, "nu": 0.3}, label="matrix")


def test_a_computed_stiffness_is_checked_before_use_with_the_numbers():
    from solvers.micromechanics.materials import checked_stiffness

    C = isotropic_stiffness(70, 0.2)
    assert checked_stiffness(C, "C") is not C and np.array_equal(checked_stiffness(C, "C"), C)
    skew = C.copy()
    skew[0, 4] += 1e-3 * C.max()
    with pytest.raises(ValueError, match=r"C is not symmetric: \|C - C\^T\| / \|C\| = 0.001 > 1e-08 \(entry \(1, 5\)"):
        checked_stiffness(skew, "C")
    indefinite = np.diag([1.0, 2.0, -3.0])
    with pytest.raises(ValueError, match=r"S is not positive definite: eigenvalues \[-3.*1.*2.*\]"):
        checked_stiffness(indefinite, "S")
    with pytest.raises(ValueError, match="non-finite"):
        checked_stiffness(np.full((3, 3), np.nan), "C")


def test_a_fracture_energy_is_taken_from_the_case_and_bad_ones_are_refused():
    from solvers.micromechanics.material_library import material_from_spec

    material = material_from_spec({"E": 70.0, "nu": 0.2, "density": 2.5, "fracture_energy": 1.5}, "glass")
    assert material.fracture_energy == 1.5 and material.to_dict()["fracture_energy_J_m2"] == 1.5
    with pytest.raises(ValueError, match=r"fracture_energy=-1.0 J/m\^2 is not allowed; must be > 0"):
        material_from_spec({"E": 70.0, "nu": 0.2, "density": 2.5, "fracture_energy": -1.0}, "glass")
    with pytest.raises(ValueError, match="fracture_energy='tough' must be a number"):
        material_from_spec({"E": 70.0, "nu": 0.2, "density": 2.5, "fracture_energy": "tough"}, "glass")
