"""Strength: plasticity in periodic RVEs under mixed macroscopic control, against closed forms.

References: the uniaxial J2 and Drucker-Prager curves of a homogeneous cell (closed form, with
the lateral contraction), the shear limit of a laminate with an elastic-perfectly-plastic layer
(its shear yield stress, the layers being in series for shear), the closed-form curve of that
laminate pulled normal to its layers, the elastic stiffness from the (verified) stiffness
analysis, energy conservation, a second-order Taylor remainder of the assembled tangent, and
the uninterrupted run for resumed ones.
"""

import math

import numpy as np
import pytest
import ufl
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
import dolfinx.fem.petsc
from dolfinx import fem

from meshing import MeshSettings, inclusions, laminate
import solvers.fe.macro_newton as macro_newton
from solvers.analyses.stiffness import effective_stiffness
from solvers.analyses.strength import StrengthSettings, parse_settings, strength
from solvers.fe.kinematics import voigt_strain
from solvers.fe.linear_solver import SolverOptions
from solvers.fe.load_stepping import StepTooSmallError
from solvers.fe.macro_control import MacroControl
from solvers.fe.macro_newton import MacroStrainProblem, NewtonSettings
from solvers.fe.plasticity import laws_for
from solvers.micromechanics.materials import isotropic
from solvers.micromechanics.plasticity import DruckerPragerPlasticity, VonMisesPlasticity

E, NU = 90.0, 0.3
DIRECT = SolverOptions(method="mumps")
TIGHT = NewtonSettings(force_tolerance=1e-11, stress_tolerance=1e-11)


@pytest.fixture(scope="module")
def cube():
    """A coarse periodic cell (two phase tags, used with one material where homogeneous)."""
    return inclusions(0.2, (1.0, 1.0, 1.0), MeshSettings(size=0.24), comm=MPI.COMM_SELF)


def _homogeneous(plasticity):
    m = isotropic(E, NU, 6.0, plasticity=plasticity)
    return {"matrix": m, "inclusion": m}


@pytest.mark.parametrize("direction", [(1.0, 0.0, 0.0), (1.0, 2.0, -0.5)])
def test_a_homogeneous_j2_cell_follows_the_bilinear_uniaxial_curve_along_any_direction(cube, direction):
    sigma_y, H = 1.5, 10.0
    settings = StrengthSettings(strain=(0.0, 0.04), direction=direction, steps=20, newton=TIGHT)
    result = strength(cube, _homogeneous(VonMisesPlasticity(sigma_y, hardening_modulus=H)), settings, solver=DIRECT)
    e, s = np.array(result.curve["loaded_strain"]), np.array(result.curve["loaded_stress"])
    onset = sigma_y / E
    expected = np.where(e <= onset, E * e, sigma_y + E * H / (E + H) * (e - onset))
    assert np.abs(s - expected).max() < 1e-6 * sigma_y
    # Lateral contraction: elastic Poisson plus half the (incompressible) plastic strain.
    n = np.array(direction) / np.linalg.norm(direction)
    lateral_direction = np.cross(n, [0.0, 0.0, 1.0]) if abs(n[2]) < 0.9 else np.cross(n, [1.0, 0.0, 0.0])
    lateral_direction /= np.linalg.norm(lateral_direction)
    for strain, stress in zip(result.curve["strain"], s, strict=True):
        tensor = np.array([[strain[0], strain[5] / 2, strain[4] / 2], [strain[5] / 2, strain[1], strain[3] / 2],
                           [strain[4] / 2, strain[3] / 2, strain[2]]])
        along = n @ tensor @ n
        plastic = along - stress / E
        assert lateral_direction @ tensor @ lateral_direction == pytest.approx(-NU * stress / E - 0.5 * plastic, abs=1e-9)
    assert result.metrics.yield_strength == pytest.approx(sigma_y + E * H / (E + H) * 0.002 * E / (E - E * H / (E + H)),
                                                          rel=1e-6)


def test_a_homogeneous_drucker_prager_cell_has_the_analytic_tension_compression_ratio(cube):
    data = DruckerPragerPlasticity(1.8, 2.3, dilatancy=0.5)
    peaks = {}
    for sense in (1.0, -1.0):
        settings = StrengthSettings(strain=(0.0, sense * 0.05), steps=10, newton=TIGHT)
        result = strength(cube, _homogeneous(data), settings, solver=DIRECT)
        peaks[sense] = result.metrics.peak_strength
    eta = data.friction
    assert peaks[1.0] == pytest.approx(1.8, rel=1e-6)
    assert peaks[-1.0] / peaks[1.0] == pytest.approx((1 / math.sqrt(3) + eta / 3) / (1 / math.sqrt(3) - eta / 3), rel=1e-6)


@pytest.fixture(scope="module")
def layered():
    """Layers normal to x3: 0.4 of a plastic phase, 0.6 of an elastic one (equal elastic constants)."""
    return laminate([0.4, 0.6], ["soft", "hard"], (1.0, 1.0), MeshSettings(size=0.13), comm=MPI.COMM_SELF)


def _layered_materials(sigma_y):
    return {"soft": isotropic(E, NU, 1.0, plasticity=VonMisesPlasticity(sigma_y)), "hard": isotropic(E, NU, 1.0)}


def test_a_laminate_sheared_along_its_layers_flows_at_the_layers_shear_yield_stress(layered):
    sigma_y = 1.2
    settings = StrengthSettings(control="pure_shear", component="13", strain=(0.0, 0.08), steps=16, newton=TIGHT)
    result = strength(layered, _layered_materials(sigma_y), settings, solver=DIRECT)
    assert result.curve["loaded_stress"][-1] == pytest.approx(sigma_y / math.sqrt(3), rel=1e-6)
    assert result.metrics.peak_strength == pytest.approx(sigma_y / math.sqrt(3), rel=1e-6)


def test_a_laminate_pulled_normal_to_its_layers_follows_the_series_curve(layered):
    # Equal elastic constants: elastic until Sigma = sigma_y; then the yielding layer's lateral
    # flow is held by the elastic one: E33 = Sigma/E + 2 (1 - nu) f_a (Sigma - sigma_y) / (E f_b).
    sigma_y, f_a, f_b = 1.2, 0.4, 0.6
    settings = StrengthSettings(strain=(0.0, 0.05), direction=(0.0, 0.0, 1.0), steps=20, newton=TIGHT)
    result = strength(layered, _layered_materials(sigma_y), settings, solver=DIRECT)
    for strain, stress in zip(result.curve["strain"], result.curve["stress"], strict=True):
        Sigma = stress[2]
        s_a = max(Sigma - sigma_y, 0.0)
        expected = Sigma / E + 2 * (1 - NU) * f_a * s_a / (E * f_b)
        assert strain[2] == pytest.approx(expected, abs=1e-8)
        s_b = -f_a * s_a / f_b
        assert strain[0] == pytest.approx(((1 - NU) * s_b - NU * Sigma) / E, abs=1e-8)
        assert np.abs(np.delete(stress, 2)).max() < 1e-8 * max(abs(Sigma), 1e-3)


@pytest.fixture(scope="module")
def sphere_rve():
    return inclusions(0.25, (1.0, 1.0, 1.0), MeshSettings(size=0.14), comm=MPI.COMM_SELF)


GLASS = isotropic(90.0, 0.36, 6.0, plasticity=DruckerPragerPlasticity(1.96, 2.43, dilatancy=0.5, hardening_modulus=2.0))
CRYSTAL = isotropic(130.0, 0.34, 8.9)


def test_elastic_uniaxial_stress_control_equals_the_compliance_of_the_stiffness_analysis(sphere_rve):
    elastic = {"matrix": isotropic(90.0, 0.36, 6.0), "inclusion": CRYSTAL}
    C = effective_stiffness(sphere_rve, elastic, solver=SolverOptions(rtol=1e-12)).C
    direction = np.array([1.0, 1.0, 0.0]) / np.sqrt(2.0)
    settings = StrengthSettings(strain=(0.0, 0.01), direction=tuple(direction), steps=2, newton=TIGHT)
    result = strength(sphere_rve, elastic, settings, solver=SolverOptions(rtol=1e-12))
    stress, strain = np.array(result.curve["stress"][-1]), np.array(result.curve["strain"][-1])
    sigma = result.curve["loaded_stress"][-1]
    uniaxial = sigma * np.array([direction[0] ** 2, direction[1] ** 2, 0.0, 0.0, 0.0, direction[0] * direction[1]])
    assert np.abs(stress - uniaxial).max() < 1e-8 * sigma
    assert np.abs(strain - np.linalg.solve(C, uniaxial)).max() < 1e-7 * np.abs(strain).max()


def test_crystal_lattice_orientations_reach_the_laws_of_the_strength_analysis():
    # A 4-grain copper polycrystal (one random lattice per grain) in 0.15 amorphous films: in
    # the elastic range, uniaxial stress control must equal the stiffness analysis's C^-1 applied
    # to the stress, which turns every grain's stiffness by its own orientation.
    from meshing import polycrystal_geometry
    from meshing.rve import build_rve
    from solvers.micromechanics.material_library import library_material

    rve = build_rve(polycrystal_geometry(4, (1.0, 1.0, 1.0), film_thickness=0.15, seed=2),
                    MeshSettings(size=0.16, phase_size={"film": 0.05}), comm=MPI.COMM_SELF)
    assert rve.cell_orientations is not None
    materials = {"grain": library_material("copper"), "film": isotropic(90.0, 0.36, 6.0)}
    C = effective_stiffness(rve, materials, solver=SolverOptions(rtol=1e-12)).C
    settings = StrengthSettings(strain=(0.0, 0.002), steps=1, newton=TIGHT)
    result = strength(rve, materials, settings, solver=DIRECT)
    sigma = result.curve["loaded_stress"][-1]
    strain = np.array(result.curve["strain"][-1])
    assert np.abs(strain - np.linalg.solve(C, sigma * np.eye(6)[0])).max() < 1e-7 * np.abs(strain).max()


@pytest.fixture(scope="module")
def cycle(sphere_rve, tmp_path_factory):
    settings = StrengthSettings(strain=(0.0, 0.04, 0.0), steps=40, fields_at=(0.02,), fields_every=0)
    return strength(sphere_rve, {"matrix": GLASS, "inclusion": CRYSTAL}, settings,
                    directory=tmp_path_factory.mktemp("cycle"), run_key="cycle")


def test_free_stresses_stay_below_a_millionth_of_the_loaded_one(cycle):
    loaded = np.abs(cycle.curve["loaded_stress"][1:])
    errors = np.array(cycle.curve["free_stress_error"][1:])
    assert np.all(errors <= 1e-6 * loaded)
    assert np.all(np.array(cycle.curve["newton"][1:]) <= 12)


def test_unloading_follows_the_elastic_slope(cycle):
    e, s = np.array(cycle.curve["loaded_strain"]), np.array(cycle.curve["loaded_stress"])
    top = int(np.argmax(e))
    assert cycle.curve["plastic_strain"][top] > 1e-3  # it did yield
    initial = (s[1] - s[0]) / (e[1] - e[0])
    unloading = (s[top] - s[top + 1]) / (e[top] - e[top + 1])
    assert unloading == pytest.approx(initial, rel=1e-6)


def test_external_work_is_stored_elastic_energy_plus_plastic_work(cycle):
    assert cycle.energy_balance < 5e-3
    assert cycle.curve["plastic_work"][-1] > 0.1 * cycle.curve["external_work"][-1]


def test_the_assembled_tangent_has_a_second_order_taylor_remainder(sphere_rve):
    control = MacroControl.build(3, "uniaxial", [0.0, 0.04])
    problem = MacroStrainProblem(sphere_rve, laws_for({"matrix": GLASS, "inclusion": CRYSTAL}), control, solver=DIRECT)
    for t in (0.25, 0.5, 0.75):
        assert problem.solve(control.controlled_at(t)).converged
        problem.commit()
    committed = problem.state_average("equivalent_plastic_strain")
    problem.xi[0] = 0.035  # a plastic step from the committed state
    problem._evaluate()
    assert problem.state_average("equivalent_plastic_strain") > committed > 0
    base = problem._assemble_vector(problem._residual)
    problem._assemble_tangent()
    direction = fem.Function(problem.w.function_space)
    direction.x.array[:] = np.random.default_rng(0).standard_normal(direction.x.array.size) * 1e-5
    w0 = problem.w.x.array.copy()
    Kd = problem.A.createVecLeft()
    problem.A.mult(direction.x.petsc_vec, Kd)
    remainders = []
    for h in (1.0, 0.5, 0.25):
        problem.w.x.array[:] = w0 + h * direction.x.array
        problem._evaluate()
        moved = problem._assemble_vector(problem._residual)
        moved.axpy(-1.0, base)
        moved.axpy(-h, Kd)
        remainders.append(moved.norm())
    orders = np.log2(np.array(remainders[:-1]) / np.array(remainders[1:]))
    assert np.all(orders > 1.8), (remainders, orders)
    problem.destroy()


def test_fields_are_written_at_the_chosen_strain_and_the_end(cycle):
    steps = [w["step"] for w in cycle.steps_written]
    assert len(steps) == 2 and steps[-1] == len(cycle.curve["t"]) - 1
    assert cycle.steps_written[0]["loaded_strain"] >= 0.02 - 1e-12


def test_a_killed_run_resumes_from_its_checkpoint_and_ends_as_an_uninterrupted_one(sphere_rve, tmp_path, monkeypatch):
    settings = StrengthSettings(strain=(0.0, 0.03), steps=12)
    materials = {"matrix": GLASS, "inclusion": CRYSTAL}
    whole = strength(sphere_rve, materials, settings, directory=tmp_path / "whole", run_key="k")
    calls = {"n": 0}
    original = macro_newton.MacroStrainProblem.solve

    def dying(self, controlled):
        calls["n"] += 1
        if calls["n"] == 8:
            raise KeyboardInterrupt("killed")
        return original(self, controlled)

    monkeypatch.setattr(macro_newton.MacroStrainProblem, "solve", dying)
    with pytest.raises(KeyboardInterrupt):
        strength(sphere_rve, materials, settings, directory=tmp_path / "killed", run_key="k")
    monkeypatch.setattr(macro_newton.MacroStrainProblem, "solve", original)
    resumed = strength(sphere_rve, materials, settings, directory=tmp_path / "killed", run_key="k")
    assert resumed.resumed_from == 7
    # Equal to the Newton tolerances: the resumed run sets its preconditioners (multigrid, the
    # border's Schur matrix) up afresh, so its iterates differ from the uninterrupted ones within
    # them. The free stresses (held at 0) are converged to stress_tolerance |Sigma|.
    stress = np.asarray(whole.curve["stress"])
    tolerance = settings.newton.stress_tolerance * np.abs(stress).max()
    assert np.allclose(resumed.curve["stress"], stress, rtol=1e-9, atol=tolerance)
    other = strength(sphere_rve, materials, settings, directory=tmp_path / "killed", run_key="another case")
    assert other.resumed_from is None  # a checkpoint of other inputs or code is not used


def test_failed_steps_are_cut_and_the_minimum_step_is_a_clear_error(sphere_rve):
    materials = {"matrix": GLASS, "inclusion": CRYSTAL}
    patient = StrengthSettings(strain=(0.0, 0.03), steps=2, newton=NewtonSettings(max_iterations=3))
    result = strength(sphere_rve, materials, patient)
    assert len(result.curve["t"]) - 1 > 2  # steps were cut to converge
    hopeless = StrengthSettings(strain=(0.0, 0.03), steps=2, min_step=0.2, newton=NewtonSettings(max_iterations=1))
    with pytest.raises(StepTooSmallError, match=r"fell below its minimum \(0.2 of the path\) at pseudo-time"):
        strength(sphere_rve, materials, hopeless)


@pytest.mark.parametrize(("table", "message"), [
    ({"control": "twist"}, "control='twist' is not known"),
    ({"steps": 0}, "steps=0 must be a positive integer"),
    ({"strain": {"11": [0, 0.01]}}, "takes strain as a list of knots"),
    ({"control": "custom", "strain": {"11": [0, 0.01], "22": [0, 0.01, 0.0]}}, "same number of knots"),
    ({"tolerance": 1e-6}, r"unknown keys \['tolerance'\]"),
    ({"newton": {"force_tolerance": 2.0}}, r"force_tolerance=2.0 is outside the allowed range \(0, 1\)"),
])
def test_bad_strength_settings_are_refused_naming_the_key(table, message):
    with pytest.raises(ValueError, match=message):
        parse_settings(table).macro_control(3)


def test_the_condensed_newton_converges_quadratically_and_the_bordered_solve_agrees(sphere_rve):
    laws = laws_for({"matrix": GLASS, "inclusion": CRYSTAL})
    control = MacroControl.build(3, "uniaxial", [0.0, 0.04])
    histories, curves = {}, {}
    for name, solver in (("direct", DIRECT), ("bordered", SolverOptions(rtol=1e-10))):
        problem = MacroStrainProblem(sphere_rve, laws, control, solver=solver, newton=TIGHT)
        stresses = []
        for t in np.linspace(0, 1, 9)[1:]:
            report = problem.solve(control.controlled_at(t))
            assert report.converged
            problem.commit()
            stresses.append(problem.macro_stress())
        histories[name], curves[name] = report.residuals, np.array(stresses)
        problem.destroy()
    # The last (plastic) step with exact linear solves: each residual about the square of the previous.
    r = np.array(histories["direct"])
    r = r[r > 1e-12 * r[0]]
    orders = np.log(r[2:] / r[1:-1]) / np.log(r[1:-1] / r[:-2])
    assert len(orders) >= 1 and orders.max() > 1.7, r
    assert np.abs(curves["direct"] - curves["bordered"]).max() < 1e-8 * np.abs(curves["direct"]).max()
