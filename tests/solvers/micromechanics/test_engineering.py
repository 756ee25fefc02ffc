"""Engineering constants against the isotropic closed forms."""

import numpy as np
import pytest

from solvers.micromechanics.engineering import engineering_constants
from solvers.micromechanics.materials import bulk_shear_from_E_nu, isotropic_stiffness
from solvers.micromechanics.voigt import plane_strain


def test_isotropic_3d_constants():
    E, nu = 70.0, 0.2
    K, G = bulk_shear_from_E_nu(E, nu)
    eng = engineering_constants(isotropic_stiffness(E, nu))
    for key in ("E1", "E2", "E3"):
        assert eng[key] == pytest.approx(E, rel=1e-13)
    for key in ("G12", "G13", "G23"):
        assert eng[key] == pytest.approx(G, rel=1e-13)
    for key in ("nu12", "nu21", "nu13", "nu31", "nu23", "nu32"):
        assert eng[key] == pytest.approx(nu, rel=1e-13)
    assert eng["K_voigt"] == pytest.approx(K, rel=1e-13)
    assert eng["K_reuss"] == pytest.approx(K, rel=1e-13)


def test_isotropic_plane_strain_constants_are_the_apparent_moduli():
    E, nu = 3.0, 0.35
    K, G = bulk_shear_from_E_nu(E, nu)
    eng = engineering_constants(plane_strain(isotropic_stiffness(E, nu)))
    assert eng["E1"] == pytest.approx(E / (1 - nu**2), rel=1e-13)
    assert eng["nu12"] == pytest.approx(nu / (1 - nu), rel=1e-13)
    assert eng["G12"] == pytest.approx(G, rel=1e-13)
    assert eng["k"] == pytest.approx(K + G / 3, rel=1e-13)


def test_generalized_plane_strain_constants_are_the_true_ones():
    # The (11, 22, 33, 12) block of an isotropic stiffness: uniaxial stress with sigma33 free.
    E, nu = 3.0, 0.35
    C = isotropic_stiffness(E, nu)[np.ix_([0, 1, 2, 5], [0, 1, 2, 5])]
    eng = engineering_constants(C)
    for key in ("E1", "E2", "E3"):
        assert eng[key] == pytest.approx(E, rel=1e-13)
    assert eng["nu12"] == pytest.approx(nu, rel=1e-13) and eng["nu31"] == pytest.approx(nu, rel=1e-13)
    assert eng["G12"] == pytest.approx(E / (2 * (1 + nu)), rel=1e-13)


def test_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="6x6, 4x4 or 3x3"):
        engineering_constants([[1.0, 0.0], [0.0, 1.0]])
