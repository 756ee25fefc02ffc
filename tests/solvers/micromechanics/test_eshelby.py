"""Eshelby tensor of a spheroid against its closed-form limits, and Mori-Tanaka for aligned
spheroids against the independent sphere formula (Mura 1987; Benveniste 1987)."""

import numpy as np
import pytest

from solvers.micromechanics.bounds import mori_tanaka_spheres
from solvers.micromechanics.eshelby import eshelby_spheroid, mori_tanaka_aligned
from solvers.micromechanics.materials import bulk_shear_from_E_nu, isotropic

NU = 0.3


@pytest.mark.parametrize("alpha", [1 + 1e-2, 1 - 1e-2, 1 + 1e-4, 1 - 1e-4, 1 + 2e-6], ids=lambda a: f"{a:.6f}")
def test_near_unit_aspect_tends_to_the_sphere_linearly(alpha):
    # The closed forms cancel catastrophically here (3.8 at alpha = 1 + 1e-6 before the series for g).
    S, q = eshelby_spheroid(alpha, NU), 1 / (15 * (1 - NU))
    sphere = np.zeros((6, 6))
    sphere[:3, :3] = (5 * NU - 1) * q
    np.fill_diagonal(sphere[:3, :3], (7 - 5 * NU) * q)
    sphere[3:, 3:] = np.eye(3) * 2 * (4 - 5 * NU) * q
    assert np.abs(S - sphere).max() < 0.5 * abs(alpha - 1)
    assert np.abs(S - sphere).max() > 0.1 * abs(alpha - 1)


def test_long_prolate_limit_is_the_circular_cylinder():
    S, q = eshelby_spheroid(1e5, NU), 1 / (8 * (1 - NU))
    assert S[0, 0] == pytest.approx(0.0, abs=1e-8)
    assert S[1, 1] == pytest.approx((5 - 4 * NU) * q, rel=1e-8)
    assert S[1, 2] == pytest.approx((4 * NU - 1) * q, rel=1e-6)
    assert S[1, 0] == pytest.approx(NU / (2 * (1 - NU)), rel=1e-8)
    assert S[3, 3] / 2 == pytest.approx((3 - 4 * NU) * q, rel=1e-8)
    assert S[4, 4] / 2 == pytest.approx(0.25, rel=1e-8)


def test_flat_oblate_limit_is_the_penny():
    S = eshelby_spheroid(1e-7, NU)
    assert S[0, 0] == pytest.approx(1.0, abs=1e-6)
    assert S[0, 1] == pytest.approx(NU / (1 - NU), abs=1e-6)
    assert S[4, 4] / 2 == pytest.approx(0.5, abs=1e-6)
    assert np.abs(S[1:4, 1:4]).max() < 1e-5


def test_mori_tanaka_of_spheres_is_the_sphere_formula_and_symmetric():
    matrix, particle = isotropic(3.0, 0.35, 1.2), isotropic(70.0, 0.2, 2.5)
    C = mori_tanaka_aligned(matrix.stiffness, particle.stiffness, eshelby_spheroid(1.0, 0.35), 0.2)
    K, G = mori_tanaka_spheres(*bulk_shear_from_E_nu(3.0, 0.35), *bulk_shear_from_E_nu(70.0, 0.2), 0.2)
    assert np.abs(C - C.T).max() < 1e-12 * np.abs(C).max()
    assert (C[0, 0] + 2 * C[0, 1]) / 3 == pytest.approx(K, rel=1e-12)
    assert C[3, 3] == pytest.approx(G, rel=1e-12)


@pytest.mark.parametrize("alpha", [0.2, 3.0])
def test_mori_tanaka_of_aligned_spheroids_is_symmetric_and_stiffer_along_the_long_axis(alpha):
    matrix, particle = isotropic(3.0, 0.35, 1.2), isotropic(70.0, 0.2, 2.5)
    C = mori_tanaka_aligned(matrix.stiffness, particle.stiffness, eshelby_spheroid(alpha, 0.35), 0.2)
    assert np.abs(C - C.T).max() < 1e-12 * np.abs(C).max()
    assert C[1, 1] == pytest.approx(C[2, 2], rel=1e-12)  # transversely isotropic about x1
    assert C[3, 3] == pytest.approx((C[1, 1] - C[1, 2]) / 2, rel=1e-12)
    # Prolate (needles) stiffen along x1, oblate (platelets normal to x1) across it.
    assert (C[0, 0] > C[1, 1]) == (alpha > 1)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="nu=0.5"):
        eshelby_spheroid(2.0, 0.5)
    with pytest.raises(ValueError, match="alpha=0.0"):
        eshelby_spheroid(0.0, 0.3)
    with pytest.raises(ValueError, match="fraction=1.0"):
        mori_tanaka_aligned(np.eye(6), np.eye(6), np.zeros((6, 6)), 1.0)
