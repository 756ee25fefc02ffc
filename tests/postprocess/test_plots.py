"""Directional modulus against closed forms; bounds table and histogram against conservation."""

import json

import numpy as np
import pytest

from postprocess.plots import (
    directional_modulus,
    moduli_with_bounds,
    plot_directional_modulus,
    plot_moduli_with_bounds,
    plot_stress_histograms,
)
from postprocess.results import load_results
from solvers.micromechanics.materials import isotropic_stiffness, stiffness_from_constants
from solvers.micromechanics.voigt import plane_strain, rotate_stiffness, rotation_from_euler

# A cubic test crystal with copper's constants (GPa): Zener ratio 2 C44 / (C11 - C12) = 3.2 > 1.
CUBIC = stiffness_from_constants({"C11": 168.4, "C12": 121.4, "C44": 75.4}, "cubic")


def _unit_sphere(n=4000, seed=1):
    v = np.random.default_rng(seed).standard_normal((n, 3))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_isotropic_directional_modulus_is_a_sphere_of_radius_E():
    E = directional_modulus(isotropic_stiffness(70.0, 0.2), _unit_sphere())
    assert np.allclose(E, 70.0, rtol=1e-12)


def test_plane_strain_isotropic_modulus_is_E_over_one_minus_nu_squared_in_every_direction():
    theta = np.linspace(0, 2 * np.pi, 50)
    E = directional_modulus(plane_strain(isotropic_stiffness(3.0, 0.35)), np.stack([np.cos(theta), np.sin(theta)], axis=1))
    assert np.allclose(E, 3.0 / (1 - 0.35**2), rtol=1e-12)


def test_cubic_crystal_extrema_lie_along_100_and_111():
    S = np.linalg.inv(CUBIC)
    E100 = 1 / S[0, 0]
    E111 = 1 / (S[0, 0] - 2 * (S[0, 0] - S[0, 1] - S[3, 3] / 2) / 3)
    directions = _unit_sphere()
    E = directional_modulus(CUBIC, directions)
    assert directional_modulus(CUBIC, np.array([1.0, 0, 0])) == pytest.approx(E100, rel=1e-12)
    assert directional_modulus(CUBIC, np.array([1.0, 1, 1])) == pytest.approx(E111, rel=1e-12)
    assert E.max() <= E111 * (1 + 1e-12) and E.min() >= E100 * (1 - 1e-12)
    assert np.allclose(np.abs(directions[np.argmax(E)]), 1 / np.sqrt(3), atol=0.05)
    assert np.abs(directions[np.argmin(E)]).max() > 0.97


def test_directional_modulus_turns_with_the_crystal():
    R = rotation_from_euler(30.0, 40.0, 50.0)
    n = _unit_sphere(200)
    assert np.allclose(directional_modulus(rotate_stiffness(CUBIC, R), n @ R.T), directional_modulus(CUBIC, n), rtol=1e-12)


def test_every_modulus_lies_between_its_reuss_and_voigt_bound(sphere_results, coated_wire_results):
    for directory in (sphere_results, coated_wire_results):
        for name, row in moduli_with_bounds(json.loads((directory / "summary.json").read_text())).items():
            assert row["reuss"] <= row["value"] <= row["voigt"], name


def test_histogram_weights_add_up_to_the_whole_cell(sphere_results):
    figure = plot_stress_histograms(load_results(sphere_results), "11")
    heights = sum(patch.get_height() for patch in figure.axes[0].patches)
    assert heights == pytest.approx(1.0, rel=1e-9)


def test_figures_render_to_png(sphere_results, coated_wire_results, tmp_path):
    summaries = [json.loads((d / "summary.json").read_text()) for d in (sphere_results, coated_wire_results)]
    figures = {
        "surface": plot_directional_modulus(CUBIC),
        "polar": plot_directional_modulus(np.array(summaries[1]["C"])),
        "bounds": plot_moduli_with_bounds(summaries, ["sphere", "coated wire"]),
    }
    for name, figure in figures.items():
        figure.savefig(tmp_path / f"{name}.png", dpi=60)
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_force_displacement_and_r_curve_figures_show_what_the_summary_holds():
    from postprocess.curves import has_r_curve, plot_force_displacement, plot_r_curve

    summary = {"curve": {"displacement": [0.0, 1.0, 1.5, 2.0], "force": [0.0, 50.0, 80.0, 20.0]},
               "toughness": {"mode": "notched", "peak_force": 80.0, "displacement_at_peak": 1.5,
                             "R_curve": {"crack_extension_nm": [1.0, 3.0], "G_R_J_m2": [1.1, 1.3]},
                             "fracture_energies_J_m2": {"solid": 1.0}}}
    assert has_r_curve(summary) and not has_r_curve({"curve": {"loaded_strain": [0, 1]}, "strength": {}})
    ax = plot_force_displacement([summary], ["sent"]).axes[0]
    assert list(ax.lines[0].get_ydata()) == summary["curve"]["force"]
    assert (ax.lines[1].get_xdata()[0], ax.lines[1].get_ydata()[0]) == (1.5, 80.0)     # the peak star
    ax = plot_r_curve([summary], ["sent"]).axes[0]
    assert list(ax.lines[0].get_ydata()) == [1.1, 1.3]
    assert any(list(line.get_ydata()) == [1.0, 1.0] for line in ax.lines[1:])      # Gc drawn
