"""Stress invariants and the Voigt/tensor conversions against hand-computed values."""

import numpy as np
import pytest

from solvers.micromechanics.invariants import mean_stress, von_mises, von_mises_voigt
from solvers.micromechanics.voigt import tensor_from_voigt, voigt_from_tensor, voigt_index


def test_von_mises_of_uniaxial_pure_shear_and_hydrostatic_stress():
    assert von_mises_voigt([2.0, 0, 0, 0, 0, 0]) == pytest.approx(2.0)
    assert von_mises_voigt([0, 0, 0, 0, 0, 1.5]) == pytest.approx(1.5 * np.sqrt(3))
    assert von_mises_voigt([1.0, 1.0, 1.0, 0, 0, 0]) == pytest.approx(0.0, abs=1e-15)
    assert mean_stress([1.0, 2.0, 6.0, 4, 5, 6]) == pytest.approx(3.0)


def test_voigt_and_tensor_forms_agree():
    rng = np.random.default_rng(0)
    v = rng.standard_normal((5, 6))
    assert np.allclose(von_mises(tensor_from_voigt(v, engineering=False)), von_mises_voigt(v))
    strain = tensor_from_voigt(v, engineering=True)
    assert strain[0, 1, 2] == pytest.approx(v[0, 3] / 2)  # engineering shear halved
    assert np.allclose(voigt_from_tensor(strain, engineering=True), v)
    assert np.allclose(voigt_from_tensor(tensor_from_voigt(v, False), False), v)


def test_voigt_labels_map_to_their_positions():
    assert [voigt_index(label) for label in ("11", "22", "33", "23", "13", "12", "32", "21")] == [0, 1, 2, 3, 4, 5, 3, 5]
    with pytest.raises(ValueError, match="'14' is not a Voigt component label"):
        voigt_index("14")
