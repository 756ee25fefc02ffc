"""Return mappings at material points against closed-form uniaxial responses, and their tangents.

A point is driven in uniaxial stress (e11 prescribed, every other stress zero, solved by Newton
with the law's own tangent). References: the bilinear and Voce curves of J2 plasticity, the
Bauschinger reverse yield of linear kinematic hardening, the Drucker-Prager yield stresses,
hardening slope, dilatant lateral strain and apex cap in closed form; Taylor remainders of order
two for the consistent tangents.
"""

import numpy as np
import pytest

from solvers.fe.plasticity import DruckerPrager, VonMises, law_for
from solvers.micromechanics.materials import isotropic
from solvers.micromechanics.plasticity import DruckerPragerPlasticity, VonMisesPlasticity

E, NU = 90.0, 0.3


def _material(plasticity):
    return isotropic(E, NU, 6.0, name="glass", plasticity=plasticity)


def _uniaxial(law, path, axis=0):
    """Stress, strain and state along a uniaxial-stress path of e_axis (prescribed), other stresses 0."""
    free = [k for k in range(6) if k != axis]
    state = law.initial_state(1)
    strain = np.zeros((1, 6))
    out = []
    for value in path:
        strain[0, axis] = value
        for _ in range(30):
            result = law.update(strain, state)
            residual = result.stress[0, free]
            if np.abs(residual).max() < 1e-13 * max(np.abs(result.stress).max(), 1e-3):
                break
            strain[0, free] -= np.linalg.solve(result.tangent[0][np.ix_(free, free)], residual)
        else:
            raise AssertionError("the material point did not converge")
        state = result.state
        out.append((result.stress[0].copy(), strain[0].copy(), {k: v.copy() for k, v in state.items()}))
    return out


def test_j2_with_linear_hardening_follows_the_bilinear_curve_and_plastic_incompressibility():
    sigma_y, H = 1.5, 10.0
    law = VonMises(_material(VonMisesPlasticity(sigma_y, hardening_modulus=H)))
    path = np.linspace(0, 0.05, 26)
    for (stress, strain, state), e in zip(_uniaxial(law, path), path, strict=True):
        yield_strain = sigma_y / E
        expected = E * e if e <= yield_strain else sigma_y + E * H / (E + H) * (e - yield_strain)
        assert stress[0] == pytest.approx(expected, rel=1e-10, abs=1e-12)
        plastic = e - stress[0] / E
        assert strain[1] == pytest.approx(-NU * stress[0] / E - 0.5 * plastic, rel=1e-9, abs=1e-13)
        assert state["equivalent_plastic_strain"][0] == pytest.approx(max(plastic, 0.0), abs=1e-12)


def test_j2_with_voce_hardening_stays_on_its_flow_curve():
    data = VonMisesPlasticity(1.0, hardening_modulus=2.0, saturation_stress=1.6, saturation_rate=40.0)
    law = VonMises(_material(data))
    for stress, strain, state in _uniaxial(law, np.linspace(0, 0.08, 41)):
        p = state["equivalent_plastic_strain"][0]
        if p > 0:
            assert stress[0] == pytest.approx(law.flow_stress(np.array([p]))[0], rel=1e-12)
            assert strain[0] == pytest.approx(stress[0] / E + p, rel=1e-10)


def test_linear_kinematic_hardening_reverses_at_the_bauschinger_stress():
    sigma_y, H_k = 1.0, 20.0
    law = VonMises(_material(VonMisesPlasticity(sigma_y, kinematic_modulus=H_k)))
    up = np.linspace(0, 0.04, 21)
    down = np.linspace(0.04, -0.04, 81)
    response = _uniaxial(law, np.concatenate([up, down[1:]]))
    stresses = np.array([r[0][0] for r in response])
    peak = stresses[len(up) - 1]
    reverse = stresses[len(up):]
    # Unloading is elastic until sigma = peak - 2 sigma_y, then hardens again with E H_k / (E + H_k).
    elastic_back = peak - E * (up[-1] - down[1:])
    first_plastic = np.flatnonzero(np.abs(reverse - elastic_back) > 1e-9)[0]
    assert reverse[first_plastic - 1] >= peak - 2 * sigma_y - 1e-9
    assert reverse[first_plastic] <= peak - 2 * sigma_y + 1e-9
    slope = np.diff(reverse[first_plastic + 2:]) / np.diff(down[first_plastic + 3:])
    assert np.allclose(slope, E * H_k / (E + H_k), rtol=1e-8)


@pytest.mark.parametrize("dilatancy", [1.0, 0.3])
def test_drucker_prager_yields_at_its_tensile_and_compressive_stresses_with_the_closed_form_slope(dilatancy):
    data = DruckerPragerPlasticity(1.8, 2.3, dilatancy=dilatancy, hardening_modulus=5.0)
    law = DruckerPrager(_material(data))
    eta, eta_bar = data.friction, data.dilation
    # The ratio the friction coefficient gives in closed form: (1/sqrt3 + eta/3) / (1/sqrt3 - eta/3).
    ratio = (1 / np.sqrt(3) + eta / 3) / (1 / np.sqrt(3) - eta / 3)
    assert ratio == pytest.approx(2.3 / 1.8, rel=1e-12)
    for sign, yield_stress, c in ((1.0, 1.8, 1 / np.sqrt(3) + eta / 3), (-1.0, 2.3, 1 / np.sqrt(3) - eta / 3)):
        c_bar = 1 / np.sqrt(3) + sign * eta_bar / 3
        slope = 1 / (1 / E + c * c_bar / data.hardening_modulus)
        path = sign * np.linspace(0, 0.06, 31)
        for (stress, strain, _), e in zip(_uniaxial(law, path), path, strict=True):
            onset = yield_stress / E
            magnitude = abs(e)
            expected = E * magnitude if magnitude <= onset else yield_stress + slope * (magnitude - onset)
            assert abs(stress[0]) == pytest.approx(expected, rel=1e-10, abs=1e-12)
            if magnitude > onset:  # lateral strain: elastic Poisson contraction plus the dilatant flow
                gamma = (abs(stress[0]) - yield_stress) * c / data.hardening_modulus
                lateral = -NU * stress[0] / E + sign * gamma * (-1 / (2 * np.sqrt(3)) + sign * eta_bar / 3)
                assert strain[1] == pytest.approx(lateral, rel=1e-9)


def test_drucker_prager_caps_hydrostatic_tension_at_its_apex():
    data = DruckerPragerPlasticity(1.8, 2.3, dilatancy=0.5)
    law = DruckerPrager(_material(data))
    K = E / (3 * (1 - 2 * NU))
    for e in (0.001, 0.01, 0.05):
        result = law.update(np.array([[e, e, e, 0, 0, 0]]), law.initial_state(1))
        p = result.stress[0, :3].mean()
        assert p == pytest.approx(min(3 * K * e, data.cohesion / data.friction), rel=1e-12)
        assert np.allclose(result.stress[0, :3], p) and np.allclose(result.stress[0, 3:], 0)


def _plastic_state(law, rng):
    """A committed state after a random plastic strain history."""
    state = law.initial_state(4)
    strain = np.zeros((4, 6))
    for _ in range(5):
        strain = strain + 0.004 * rng.standard_normal((4, 6))
        state = law.update(strain, state).state
    return strain, state


LAWS = {
    "j2 iso + kinematic + Voce": VonMisesPlasticity(1.0, hardening_modulus=3.0, saturation_stress=1.5, saturation_rate=30.0,
                                                    kinematic_modulus=8.0),
    "j2 perfect": VonMisesPlasticity(1.0),
    "drucker-prager associated": DruckerPragerPlasticity(1.0, 1.3, dilatancy=1.0, hardening_modulus=4.0),
    "drucker-prager non-associated": DruckerPragerPlasticity(1.0, 1.3, dilatancy=0.4, hardening_modulus=4.0),
}


@pytest.mark.parametrize("name", list(LAWS))
def test_the_consistent_tangent_has_a_second_order_taylor_remainder(name):
    law = law_for(_material(LAWS[name]))
    rng = np.random.default_rng(7)
    strain, state = _plastic_state(law, rng)
    step = strain + 0.03 * rng.standard_normal((4, 6))  # a plastic step from that state
    base = law.update(step, state)
    assert np.all(base.state["equivalent_plastic_strain"] > state["equivalent_plastic_strain"])
    direction = rng.standard_normal((4, 6))
    remainders = []
    for h in (1e-3, 5e-4, 2.5e-4):
        moved = law.update(step + h * direction, state).stress
        remainders.append(np.abs(moved - base.stress - h * np.einsum("nij,nj->ni", base.tangent, direction)).max())
    orders = np.log2(np.array(remainders[:-1]) / np.array(remainders[1:]))
    assert np.all(orders > 1.9), orders


def test_the_apex_tangent_has_a_second_order_taylor_remainder():
    law = DruckerPrager(_material(DruckerPragerPlasticity(1.0, 1.3, dilatancy=0.5, hardening_modulus=4.0)))
    strain = np.array([[0.03, 0.03, 0.03, 0.0, 0.0, 0.0]])
    base = law.update(strain, law.initial_state(1))
    direction = np.array([[1.0, 1.0, 1.0, 0.0, 0.0, 0.0]])
    remainders = [np.abs(law.update(strain + h * direction, law.initial_state(1)).stress - base.stress
                         - h * base.tangent[0] @ direction[0]).max() for h in (1e-3, 5e-4)]
    assert remainders[1] <= 0.26 * remainders[0] + 1e-15


def test_points_are_independent_of_each_other():
    law = law_for(_material(LAWS["drucker-prager non-associated"]))
    rng = np.random.default_rng(3)
    strain = 0.01 * rng.standard_normal((50, 6))
    together = law.update(strain, law.initial_state(50))
    for k in (0, 17, 49):
        alone = law.update(strain[k:k + 1], law.initial_state(1))
        assert np.allclose(alone.stress, together.stress[k:k + 1], rtol=1e-14, atol=1e-14)
        assert np.allclose(alone.tangent, together.tangent[k:k + 1], rtol=1e-14, atol=1e-14)
