"""A specimen's displacement problem with damaged laws: what a linear step evaluates, and what
scaling its load keeps (SENT, hybrid spectral split). Units: nm, GPa."""

from dataclasses import replace

import numpy as np
import pytest
from mpi4py import MPI

from meshing import MeshSettings
from solvers.micromechanics.fracture import PhaseFieldModel
from solvers.micromechanics.materials import isotropic

SOLID = replace(isotropic(100.0, 0.25, 3.0), fracture_energy=1.0)


def test_a_linear_specimen_step_evaluates_its_laws_once_per_state_and_scaling_keeps_the_exact_tangent():
    # Hybrid damaged laws on a small SENT with a random damage: a linear displacement step asks
    # for the residual and the Jacobian at the same state, which is evaluated once; scaling the
    # load scales the stress by the factor and the driving energy by its square, and the tangent it
    # keeps is the one a full evaluation at the scaled state writes (bit for bit).
    from meshing import laminate_geometry, single_edge_notched_tension
    from meshing.specimen_mesh import build_specimen
    from solvers.analyses.notched import loading_of
    from solvers.fe.phase_field import damaged_laws
    from solvers.fe.specimen_problem import SpecimenProblem

    W, H = 10.0, 20.0
    geometry = single_edge_notched_tension(W, H, 2.0, laminate_geometry([H], ["solid"], [W]), notch_width=0.5)
    specimen = build_specimen(geometry, MeshSettings(size=1.0), comm=MPI.COMM_SELF)
    model = PhaseFieldModel("AT1", 1.0, split="spectral", hybrid=True)
    problem = SpecimenProblem(specimen, damaged_laws({"solid": SOLID}, model), loading_of(specimen, "tension"))
    laws = problem.laws
    damage = np.random.default_rng(0).uniform(0.0, 0.9, (problem.specimen.mesh.topology.index_map(2).size_local,
                                                          laws.num_points))
    laws.set_state("damage", damage)
    before = laws.update_count
    assert problem.solve(0.2).converged
    assert laws.update_count - before == 2            # the step (residual and Jacobian: one state), then the solution
    problem._evaluate()
    assert laws.update_count - before == 2            # nothing changed: not evaluated again
    stress, tangent = laws.stress.x.array.copy(), laws.tangent.x.array.copy()
    driving = np.concatenate([g.trial["driving"] for g in laws.groups])
    problem.scale_load(3.0)
    assert laws.stress.x.array == pytest.approx(3.0 * stress, rel=1e-12, abs=1e-14)
    assert np.concatenate([g.trial["driving"] for g in laws.groups]) == pytest.approx(9.0 * driving, rel=1e-12, abs=1e-16)
    kept = laws.tangent.x.array.copy()
    laws.tangent.x.array[:] = 0.0
    laws.update(problem._strain, tangent=True)
    assert np.array_equal(kept, laws.tangent.x.array) and np.array_equal(kept, tangent)
    laws.set_state("damage", 0.5 * damage)            # a new state: the tangent is written even when not asked
    laws.update(problem._strain, tangent=False)
    assert not np.array_equal(kept, laws.tangent.x.array)
    problem.destroy()


def test_a_sent_notched_from_the_ymin_face_is_the_same_specimen_turned_a_quarter():
    # One SENT cut two ways: the notch from xmin with the grips on ymin/ymax, and the same plate
    # turned by 90 degrees (notch from ymin, grips on xmin/xmax, pulled along x1). An isotropic
    # body has no preferred direction, so at the same grip displacement the two forces agree up
    # to the difference of the two meshes (gmsh meshes the turned plate almost as the turned mesh:
    # 5e-7 measured at h = W/40).
    from meshing import laminate_geometry, single_edge_notched_tension
    from meshing.specimen_mesh import build_specimen
    from solvers.analyses.notched import loading_of
    from solvers.fe.phase_field import damaged_laws
    from solvers.fe.specimen_problem import SpecimenProblem

    W, H, a = 10.0, 20.0, 3.0
    model = PhaseFieldModel("AT1", 1.0)
    forces = {}
    for face, outline in (("xmin", (W, H)), ("ymin", (H, W))):
        cell = laminate_geometry([outline[1]], ["solid"], [outline[0]])
        geometry = single_edge_notched_tension(*outline, a, cell, notch_width=0.5, notch_face=face)
        specimen = build_specimen(geometry, MeshSettings(size=0.25), comm=MPI.COMM_SELF)
        loading = loading_of(specimen, "tension")
        assert (loading.load, loading.axis) == {"xmin": ("ymax", 1), "ymin": ("xmax", 0)}[face]
        problem = SpecimenProblem(specimen, damaged_laws({"solid": SOLID}, model), loading)
        assert problem.solve(0.1).converged
        forces[face] = problem.reaction()
        problem.destroy()
    assert forces["xmin"] > 0 and forces["ymin"] == pytest.approx(forces["xmin"], rel=1e-4)


def test_the_damage_newton_tolerance_follows_the_size_of_the_residual_terms():
    # term_size is ||integral (2 (1 - k) psi+ + Gc / (c_w l)) beta dx||: with a uniform driving
    # energy it is (1 + 2 (1 - k) psi+ c_w l / Gc) times its value at psi+ = 0 (one lumped vector
    # scaled), and the Newton's absolute tolerance is raised to FLOOR_FACTOR eps times it when that
    # exceeds the configured 1e-11 (the residual's roundoff floor grows with the driving energy).
    from meshing import laminate_geometry, single_edge_notched_tension
    from meshing.specimen_mesh import build_specimen
    from solvers.analyses.notched import loading_of
    from solvers.fe.phase_field import DamageField, damaged_laws
    from solvers.fe.specimen_problem import SpecimenProblem

    geometry = single_edge_notched_tension(10.0, 20.0, 2.0, laminate_geometry([20.0], ["solid"], [10.0]), notch_width=0.5)
    specimen = build_specimen(geometry, MeshSettings(size=1.0), comm=MPI.COMM_SELF)
    model = PhaseFieldModel("AT1", 1.0, split="spectral", hybrid=True)
    problem = SpecimenProblem(specimen, damaged_laws({"solid": SOLID}, model), loading_of(specimen, "tension"))
    damage = DamageField(specimen, problem.laws, {"solid": 1.0}, model, periodic=False)
    damage.driving.x.array[:] = 0.0
    at_rest = damage.term_size()
    psi = 1e6
    damage.driving.x.array[:] = psi
    assert damage.term_size() == pytest.approx(at_rest * (1 + 2 * (1 - model.residual) * psi * model.c_w * model.length / 1.0),
                                               rel=1e-10)
    damage.solve()
    atol = damage._solver.snes.getTolerances()[1]
    assert atol == pytest.approx(damage.FLOOR_FACTOR * np.finfo(float).eps * damage.term_size(), rel=1e-12) and atol > 1e-11
    damage.destroy()
    problem.destroy()
