"""The toughness of a crack along a thin layer: the closed forms against a direct 1D minimisation.

Units: nm, J/m^2 (= GPa nm).
"""

import numpy as np
import pytest
from scipy.optimize import minimize

from solvers.micromechanics.fracture import PhaseFieldModel
from solvers.micromechanics.thin_layer import calibrated_layer_toughness, layer_crack_toughness


def _minimised_profile_energy(model: PhaseFieldModel, thickness: float, layer: float, host: float,
                              extent: float = 12.0, cells: int = 2400) -> float:
    """2 x min over d (d(0) = 1, 0 <= d <= 1) of integral_0^extent Gc / c_w (w(d)/l + l d'^2) dx,
    P1 on a uniform grid with the layer face on a node: an independent numerical reference."""
    l = model.length
    x = np.linspace(0.0, extent * l, cells + 1)
    h = np.diff(x)
    gc = np.where(0.5 * (x[1:] + x[:-1]) < thickness / 2, layer, host)

    def energy(free):
        d = np.concatenate([[1.0], free])
        mid = 0.5 * (d[1:] + d[:-1])
        slope = np.diff(d) / h
        w = mid if model.model == "AT1" else (d[1:] ** 2 + d[1:] * d[:-1] + d[:-1] ** 2) / 3
        value = np.sum(gc / model.c_w * (w / l + l * slope**2) * h)
        dw_right = 0.5 * np.ones_like(mid) if model.model == "AT1" else (2 * d[1:] + d[:-1]) / 3
        dw_left = 0.5 * np.ones_like(mid) if model.model == "AT1" else (2 * d[:-1] + d[1:]) / 3
        g_right = gc / model.c_w * (dw_right / l * h + 2 * l * slope)
        g_left = gc / model.c_w * (dw_left / l * h - 2 * l * slope)
        grad = np.zeros_like(d)
        grad[1:] += g_right
        grad[:-1] += g_left
        return value, grad[1:]

    start = np.clip(1.0 - x[1:] / (2 * l), 0.0, 1.0) ** 2
    result = minimize(energy, start, jac=True, method="L-BFGS-B", bounds=[(0.0, 1.0)] * cells,
                      options={"maxiter": 20000, "ftol": 1e-15, "gtol": 1e-12})
    return 2.0 * result.fun


@pytest.mark.parametrize("name", ["AT1", "AT2"])
@pytest.mark.parametrize(("thickness", "layer"), [(0.5, 0.1), (1.0, 0.3), (2.0, 0.3), (3.0, 2.0)])
def test_the_closed_form_is_the_minimum_of_the_1d_crack_profile_energy(name, thickness, layer):
    model = PhaseFieldModel(model=name, length=1.0)
    reference = _minimised_profile_energy(model, thickness, layer, 1.0)
    assert layer_crack_toughness(model, thickness, layer, 1.0) == pytest.approx(reference, rel=2e-3)


@pytest.mark.parametrize("name", ["AT1", "AT2"])
def test_the_layer_toughness_goes_from_the_host_to_the_layer_as_the_layer_thickens(name):
    model = PhaseFieldModel(model=name, length=2.0)
    values = [layer_crack_toughness(model, t, 0.2, 1.0) for t in (1e-6, 0.5, 1.0, 2.0, 4.0, 7.0, 40.0)]
    assert values[0] == pytest.approx(1.0, rel=1e-5)
    assert np.all(np.diff(values) < 0)
    assert values[-1] == pytest.approx(0.2, rel=1e-6)
    if name == "AT1":
        assert layer_crack_toughness(model, 4 * model.length, 0.2, 1.0) == pytest.approx(0.2, rel=1e-12)


@pytest.mark.parametrize("name", ["AT1", "AT2"])
@pytest.mark.parametrize("interface", [0.05, 0.25, 0.6, 3.0])
def test_the_calibrated_layer_gc_gives_the_asked_interface_toughness(name, interface):
    model = PhaseFieldModel(model=name, length=1.0)
    gc = calibrated_layer_toughness(model, 1.0, interface, 1.0)
    assert layer_crack_toughness(model, 1.0, gc, 1.0) == pytest.approx(interface, rel=1e-10)
    assert (gc < interface) == (interface < 1.0)               # a weak layer's phase must be weaker still


def test_bad_layer_inputs_are_refused():
    model = PhaseFieldModel()
    with pytest.raises(ValueError, match="thickness"):
        layer_crack_toughness(model, -1.0, 0.1, 1.0)
    with pytest.raises(ValueError, match="fracture energy"):
        calibrated_layer_toughness(model, 1.0, 0.0, 1.0)
