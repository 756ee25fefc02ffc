"""The toughness of a crack running inside a layer thinner than the phase-field crack.

A regularised crack is a band: the 1D optimal damage profile spreads over ``|x| < 2 l`` (AT1) or
decays as ``exp(-|x| / l)`` (AT2). A crack running along the mid-plane of a layer of thickness
``t`` (Gc ``Gc_layer``) between two half-spaces of a host (``Gc_host``) therefore dissipates part
of its energy in the host when ``t`` is not several ``l``, so its toughness is neither. This
module gives that toughness exactly for the 1D optimal profile across the layer, which solves

    d'' = 1 / (2 l^2)  (AT1)   or   d'' = d / l^2  (AT2)     in each phase,

with ``d = 1`` on the mid-plane, ``Gc d'`` continuous at the layer faces and ``d``, ``d'``
vanishing where the profile ends (AT1) or at infinity (AT2). Piecewise closed forms; the
energy per unit crack area is ``2 integral_0^inf Gc / c_w (w(d) / l + l d'^2) dx``.

Use: :func:`calibrated_layer_toughness` returns the phase Gc that gives a thin layer the
interface toughness a user asks for (the toughness a sharp crack along that interface would
have), so that a He-Hutchinson ratio or a measured interface toughness means what it says.

Units: lengths nm, fracture energies J/m^2 (= GPa nm).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from solvers.micromechanics.fracture import PhaseFieldModel

__all__ = ["profile_half_width", "layer_crack_toughness", "calibrated_layer_toughness"]


def profile_half_width(model: PhaseFieldModel) -> float:
    """Half-width (nm) of the 1D optimal crack profile, ``2 l``: a layer thicker than twice this holds
    all of an AT1 crack's dissipation and 98 % of an AT2 crack's (``1 - exp(-4)``)."""
    return 2.0 * model.length


def _check(thickness: float, *energies: float) -> None:
    if not (np.isfinite(thickness) and thickness > 0):
        raise ValueError(f"layer thickness={thickness} nm is not allowed; must be > 0")
    for energy in energies:
        if not (np.isfinite(energy) and energy > 0):
            raise ValueError(f"fracture energy {energy} J/m^2 is not allowed; must be > 0")


def layer_crack_toughness(model: PhaseFieldModel, thickness: float, layer: float, host: float) -> float:
    """Energy per unit area (J/m^2) of a phase-field crack along the mid-plane of a layer.

    Parameters
    ----------
    model : PhaseFieldModel
        AT1 or AT2, with its length ``l`` (nm).
    thickness : float
        Layer thickness ``t`` (nm), > 0.
    layer, host : float
        ``Gc`` of the layer and of the host on both sides (J/m^2), > 0.

    Returns
    -------
    float
        ``layer`` when ``t >= 4 l`` for AT1 (the profile fits in the layer); tends to ``host`` as
        ``t -> 0``.
    """
    _check(thickness, layer, host)
    l, s, rho = model.length, thickness / 2.0, host / layer
    if model.model == "AT2":
        # layer: d = cosh(x/l) + A sinh(x/l); host: d = B exp(-(x - s)/l). The energy integrates
        # by parts to -Gc_layer A (c_w = 2, both sides).
        ch, sh = np.cosh(s / l), np.sinh(s / l)
        A = -(sh + rho * ch) / (ch + rho * sh)
        return float(-layer * A)
    sigma = s / l
    if sigma >= 2.0:
        return float(layer)
    # host: d = u^2 (1 - (x - s)/(2 l u))^2 over x - s < 2 l u; layer: d = 1 - c x + x^2/(4 l^2)
    u = 0.5 * (-rho * sigma + np.sqrt((rho * sigma) ** 2 + 4.0 * (1.0 - sigma**2 / 4.0)))
    c = s / (2 * l**2) + rho * u / l
    host_part = 4.0 * u**3 / 3.0                                    # integral of d/l + l d'^2 in the host
    d = np.polynomial.Polynomial([1.0, -c, 1.0 / (4 * l**2)])
    density = d / l + l * d.deriv() ** 2
    layer_part = density.integ()(s) - density.integ()(0.0)
    return float(2.0 / model.c_w * (layer * layer_part + host * host_part))


def calibrated_layer_toughness(model: PhaseFieldModel, thickness: float, interface: float, host: float) -> float:
    """The layer phase's ``Gc`` (J/m^2) for which a crack along it dissipates ``interface`` J/m^2.

    The inverse of :func:`layer_crack_toughness` in its ``layer`` argument (monotone in it); for a
    layer thicker than the profile (AT1, ``t >= 4 l``) it is ``interface`` itself.

    Raises
    ------
    ValueError
        For a non-positive thickness or energy.
    """
    _check(thickness, interface, host)
    if np.isclose(interface, host, rtol=1e-12):
        return float(host)

    def mismatch(log_gc: float) -> float:
        return np.log(layer_crack_toughness(model, thickness, float(np.exp(log_gc)), host) / interface)

    low, high = np.log(interface) - 1.0, np.log(interface) + 1.0
    while mismatch(low) > 0:
        low -= 2.0
    while mismatch(high) < 0:
        high += 2.0
    return float(np.exp(brentq(mismatch, low, high, xtol=1e-14, rtol=1e-13)))
