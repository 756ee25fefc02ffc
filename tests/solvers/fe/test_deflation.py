"""Rigid-body deflation of stiff bodies and the layered preconditioner. Units: nm, GPa."""

import numpy as np
import pytest
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
from dolfinx import fem

from meshing import MeshSettings, laminate_geometry, nacre_geometry, particles_geometry
from meshing.rve import build_rve
from solvers.analyses.stiffness import effective_stiffness
from solvers.fe.cell_problem import cell_problem
from solvers.fe.deflation import _widest_gap, rigid_body_space, stiff_phases
from solvers.fe.linear_solver import SolverOptions
from solvers.micromechanics.materials import isotropic

STIFF = isotropic(100.0, 0.25, 1.0)


def _modes(rve, materials):
    V = fem.functionspace(rve.mesh, ("Lagrange", 1, (rve.dim,)))
    problem = cell_problem(V, rve, "periodic")
    W = rigid_body_space(problem.space, problem.periodic.master_coordinates, rve, materials, rve.box.lengths)
    return problem, W


def test_stiff_phases_are_ten_times_stiffer_than_the_softest():
    assert stiff_phases({"a": STIFF, "b": isotropic(1.0, 0.3, 1.0), "c": isotropic(20.0, 0.3, 1.0)}) == ["a", "c"]
    assert stiff_phases({"a": STIFF, "b": isotropic(50.0, 0.3, 1.0)}) == []


def test_the_widest_gap_is_found_across_the_periodic_seam():
    occupied = np.ones(16, dtype=bool)
    occupied[[14, 15, 0, 1]] = False
    assert _widest_gap(occupied) == 15.5
    assert _widest_gap(np.ones(16, dtype=bool)) is None


@pytest.mark.parametrize("dim", [2, 3])
def test_each_tablet_of_a_nacre_cell_gets_its_translations_and_rotations(dim):
    geometry = nacre_geometry(1000.0, 100.0, 0.5, interlayer_thickness=10.0, dim=dim)
    sizes = (100.0, 25.0) if dim == 2 else (100.0, 100.0, 25.0)
    rve = build_rve(geometry, MeshSettings(size=50.0, mesher="tensor", axis_sizes=sizes), MPI.COMM_SELF)
    soft = isotropic(0.01, 0.25, 1.0)  # the tablets' Poisson ratio: energies then scale with E
    problem, W = _modes(rve, {"tablet": STIFF, "interlayer": soft})
    assert W.getSize()[1] == 2 * (3 if dim == 2 else 6)  # two tablets, none wraps around the cell
    # Rigid motions of a tablet strain only the layers around it (the tablet itself not at all,
    # also where it wraps around the cell): their energy scales exactly with the layers' modulus.
    import dolfinx.fem.petsc
    from solvers.fe.elasticity import ElasticStiffness

    energies = []
    for layer in (soft, STIFF):
        A = dolfinx.fem.petsc.assemble_matrix(ElasticStiffness(rve, {"tablet": STIFF, "interlayer": layer}).bilinear_form(problem.space))
        A.assemble()
        column, image = W.createVecs()[1], W.createVecs()[1]
        energy = []
        for k in range(W.getSize()[1]):
            W.getColumnVector(k, column)
            A.mult(column, image)
            energy.append(column.dot(image))
        energies.append(np.array(energy))
    assert np.allclose(energies[0] / energies[1], 0.01 / 100.0, rtol=1e-9)


def test_a_sheet_that_spans_the_cell_cannot_rotate():
    geometry = laminate_geometry([1.0, 0.1, 1.0, 0.1], ["stiff", "soft", "stiff", "soft"], [3.0, 3.0])
    rve = build_rve(geometry, MeshSettings(size=1.0, mesher="tensor"), MPI.COMM_SELF)
    _, W = _modes(rve, {"stiff": STIFF, "soft": isotropic(0.01, 0.35, 1.0)})
    assert W.getSize()[1] == 2 * 3  # two sheets, translations only


def test_no_deflation_without_contrast_or_without_a_soft_phase_between_the_bodies():
    geometry = nacre_geometry(1000.0, 100.0, 0.5, interlayer_thickness=10.0, dim=2)
    rve = build_rve(geometry, MeshSettings(size=50.0, mesher="tensor", axis_sizes=(100.0, 25.0)), MPI.COMM_SELF)
    assert _modes(rve, {"tablet": STIFF, "interlayer": isotropic(20.0, 0.3, 1.0)})[1] is None


@pytest.fixture(scope="module")
def floating_particles():
    geometry = particles_geometry(8, 0.3, (20.0, 20.0, 20.0), seed=1)
    return build_rve(geometry, MeshSettings(size=1.5), MPI.COMM_SELF)


def test_stiff_particles_in_a_soft_matrix_converge_in_few_iterations_to_the_direct_stiffness(floating_particles):
    rve = floating_particles
    materials = {p: STIFF if p != "matrix" else isotropic(0.01, 0.35, 1.0) for p in rve.phases}
    direct = effective_stiffness(rve, materials, solver=SolverOptions(method="mumps"))
    layered = effective_stiffness(rve, materials, solver=SolverOptions(rtol=1e-9))  # auto: contrast 1e4
    plain = effective_stiffness(rve, materials, solver=SolverOptions(rtol=1e-9, preconditioner="multigrid"))
    scale = np.abs(direct.C).max()
    assert np.abs(layered.C - direct.C).max() < 1e-8 * scale
    assert np.abs(plain.C - direct.C).max() < 1e-8 * scale
    # Measured with 27 spheres at rtol 1e-6 on 2 ranks: 12 against 76 iterations.
    assert max(layered.iterations) < 0.5 * min(plain.iterations)


def test_bad_preconditioner_is_refused():
    with pytest.raises(ValueError, match=r"preconditioner='amg' is not known; allowed: auto, multigrid, layered"):
        SolverOptions(preconditioner="amg")
