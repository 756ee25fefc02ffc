"""Phase-field fracture, pure NumPy: the splits against their definitions, the critical stresses
against a brute-force minimisation of the homogeneous bar's energy."""

import numpy as np
import pytest

from solvers.micromechanics.fracture import PhaseFieldModel, critical_stress, split_energy
from solvers.micromechanics.materials import isotropic

STEEL_LIKE = isotropic(100.0, 0.3, 7.0)
LAME = (100.0 * 0.3 / (1.3 * 0.4), 100.0 / 2.6)


def _strains(n: int = 40, seed: int = 0) -> np.ndarray:
    strains = 1e-2 * np.random.default_rng(seed).standard_normal((n, 6))
    strains[0] = [-1e-2, -1e-2, -1e-2, 0, 0, 0]       # hydrostatic compression
    strains[1] = [2e-2, 2e-2, 2e-2, 0, 0, 0]          # hydrostatic tension
    strains[2] = [1e-2, 1e-2, -1e-2, 0, 0, 0]         # two equal eigenvalues
    strains[3] = 0.0
    return strains


@pytest.mark.parametrize("split", ["none", "volumetric_deviatoric", "spectral"])
def test_a_split_adds_up_to_the_elastic_energy_and_both_parts_are_non_negative(split):
    eps = _strains()
    s = split_energy(eps, STEEL_LIKE.stiffness, split, LAME)
    C = STEEL_LIKE.stiffness
    assert np.allclose(s.positive + s.negative, 0.5 * np.einsum("ni,ij,nj->n", eps, C, eps), rtol=1e-12, atol=1e-16)
    assert np.allclose(s.stress_positive + s.stress_negative, eps @ C.T, rtol=1e-12, atol=1e-14)
    assert np.allclose(s.tangent_positive + s.tangent_negative, C[None], rtol=1e-12, atol=1e-10)
    assert np.all(s.positive >= -1e-16) and np.all(s.negative >= -1e-16)


@pytest.mark.parametrize("split", ["volumetric_deviatoric", "spectral"])
def test_hydrostatic_compression_is_not_degraded_and_hydrostatic_tension_is(split):
    eps = _strains()
    s = split_energy(eps, STEEL_LIKE.stiffness, split, LAME)
    assert s.positive[0] == pytest.approx(0.0, abs=1e-18)
    assert s.negative[1] == pytest.approx(0.0, abs=1e-18)


@pytest.mark.parametrize("split", ["none", "volumetric_deviatoric", "spectral"])
def test_split_stresses_and_tangents_are_the_derivatives_of_the_split_energies(split):
    eps = _strains()[4:]
    s = split_energy(eps, STEEL_LIKE.stiffness, split, LAME)
    h = 1e-7
    for k in range(6):
        step = np.zeros(6)
        step[k] = h
        up = split_energy(eps + step, STEEL_LIKE.stiffness, split, LAME)
        down = split_energy(eps - step, STEEL_LIKE.stiffness, split, LAME)
        # d psi / d eps_k (engineering shears: the Voigt stress is the work conjugate)
        assert np.allclose((up.positive - down.positive) / (2 * h), s.stress_positive[:, k], rtol=1e-6, atol=1e-9)
        assert np.allclose((up.stress_positive - down.stress_positive) / (2 * h), s.tangent_positive[:, :, k],
                           rtol=1e-5, atol=1e-5)


def _brute_force_peak(model: PhaseFieldModel, E: float, Gc: float) -> float:
    """Largest stress of the homogeneous bar: d minimises g(d) E e^2 / 2 + Gc w(d) / (c_w l) at every strain."""
    d = np.linspace(0.0, 1.0, 20001)
    peak = 0.0
    for strain in np.linspace(0.0, 0.2, 2001):
        energy = model.degradation(d) * 0.5 * E * strain**2 + Gc * model.w(d) / (model.c_w * model.length)
        best = d[np.argmin(energy)]
        peak = max(peak, float(model.degradation(best) * E * strain))
    return peak


@pytest.mark.parametrize("name", ["AT1", "AT2"])
def test_the_critical_stress_is_the_peak_of_the_homogeneous_bar(name):
    model = PhaseFieldModel(model=name, length=2.0, residual=0.0)
    E, Gc = 70.0, 1.5
    assert _brute_force_peak(model, E, Gc) == pytest.approx(critical_stress(model, E, Gc), rel=2e-3)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"model": "AT3"}, "model='AT3' is not known"),
    ({"split": "miehe"}, "split='miehe' is not known"),
    ({"length": -1.0}, "length=-1.0 nm is not allowed"),
    ({"residual": 0.5}, "residual=0.5 is outside the allowed range"),
])
def test_bad_phase_field_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PhaseFieldModel(**kwargs)


def test_the_hybrid_law_degrades_the_whole_stress_and_is_driven_by_the_splits_tensile_energy():
    # Ambati et al. (2015): sigma = g(d) C eps, driving psi+ of the split; hydrostatic
    # compression drives nothing, uniaxial tension drives as the split does.
    from solvers.fe.phase_field import DamagedElastic
    from solvers.micromechanics.materials import isotropic

    material = isotropic(100.0, 0.25, 3.0)
    model = PhaseFieldModel(split="spectral", hybrid=True)
    law = DamagedElastic(material, model)
    assert law.linear_at_fixed_state and not DamagedElastic(material, PhaseFieldModel(split="spectral")).linear_at_fixed_state
    strains = np.array([[-1e-3, -1e-3, -1e-3, 0, 0, 0], [1e-3, -2.5e-4, -2.5e-4, 0, 0, 0], [2e-4, 5e-4, 0, 3e-4, 0, 1e-4]])
    damage = np.array([0.5, 0.5, 0.9])
    update = law.update(strains, {"damage": damage})
    g = model.degradation(damage)
    assert update.stress == pytest.approx(g[:, None] * strains @ material.stiffness.T, rel=1e-12, abs=1e-15)
    assert update.tangent == pytest.approx(g[:, None, None] * material.stiffness, rel=1e-12)
    lame = (100 * 0.25 / (1.25 * 0.5), 100 / 2.5)
    split = split_energy(strains, material.stiffness, "spectral", lame)
    assert update.state["driving"] == pytest.approx(split.positive, rel=1e-12)
    assert update.state["driving"][0] == pytest.approx(0.0, abs=1e-15)
    with pytest.raises(ValueError, match="hybrid"):
        PhaseFieldModel(hybrid="yes")


@pytest.mark.parametrize("split", ["none", "volumetric_deviatoric", "spectral"])
def test_the_tensile_energy_is_the_splits(split):
    from solvers.micromechanics.fracture import tensile_energy

    rng = np.random.default_rng(3)
    strains = 1e-3 * rng.normal(size=(50, 6))
    material = isotropic(80.0, 0.3, 3.0)
    lame = (80 * 0.3 / (1.3 * 0.4), 80 / 2.6)
    full = split_energy(strains, material.stiffness, split, lame)
    positive, total = tensile_energy(strains, material.stiffness, split, lame)
    assert positive == pytest.approx(full.positive, rel=1e-12, abs=1e-18)
    assert total == pytest.approx(full.positive + full.negative, rel=1e-12, abs=1e-18)


def test_principal_strains_are_the_eigenvalues_of_plane_and_general_strains():
    # The closed form for strains without out-of-plane shears (plane strain) against LAPACK, and
    # the general path, with repeated eigenvalues among them.
    from solvers.micromechanics.fracture import _tensor, principal_strains

    general = _strains(60)
    plane = general.copy()
    plane[:, 3:5] = 0.0
    plane[4] = [1e-2, 1e-2, 0, 0, 0, 0]                  # a double in-plane eigenvalue
    for strains in (plane, general):
        expected = np.linalg.eigvalsh(_tensor(strains))
        assert np.sort(principal_strains(strains), axis=1) == pytest.approx(expected, abs=1e-16)
