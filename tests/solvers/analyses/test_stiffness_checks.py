"""What the stiffness analysis checks at run time, and what it reports.

* C is refused before use when it is not symmetric positive definite;
* Hill's lemma: the phase-averaged stresses (exact cell integrals) add up to the columns of C
  (strain-driven) or to the applied stress (SUBC), for P2 too; an inexact (midpoint) integral
  is caught;
* the unknowns solved (the folded periodic space) are reported beside the parent dofs;
* 2D: the generalized plane-strain stiffness (11, 22, 33, 12) equals the exact 3D laminate.
"""

import numpy as np
import pytest
import ufl
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
from dolfinx import fem, mesh

from meshing import Box, MeshSettings, inclusions, laminate
from meshing.rve import RVE
import solvers.analyses.stiffness as stiffness_module
from solvers.analyses.stiffness import HillLemmaError, check_hill_lemma, effective_stiffness
from solvers.fe.fields import CellIntegrals
from solvers.fe.kinematics import voigt_strain
from solvers.fe.linear_solver import SolverOptions
from solvers.micromechanics.bounds import laminate_stiffness
from solvers.micromechanics.voigt import GENERALIZED_PLANE_STRAIN_INDICES

TIGHT = SolverOptions(rtol=1e-10)


@pytest.fixture(scope="module")
def sphere_rve():
    return inclusions(0.2, (1.0, 1.0, 1.0), MeshSettings(size=0.2), center=(0.3, 0.6, 0.8), comm=MPI.COMM_SELF)


@pytest.fixture(scope="module")
def materials(soft_matrix, stiff_inclusion):
    return {"matrix": soft_matrix, "inclusion": stiff_inclusion}


@pytest.mark.parametrize(("energy", "message"), [
    (np.diag([1.0, 2.0, 3.0, 1.0, 1.0, -0.5]), "not positive definite: eigenvalues"),
    (np.eye(6) + np.triu(np.ones((6, 6)), 1) * 0.1, r"not symmetric: \|C - C\^T\| / \|C\| = 0.1"),
])
def test_a_broken_stiffness_is_refused_before_it_is_used(sphere_rve, materials, monkeypatch, energy, message):
    monkeypatch.setattr(stiffness_module, "energy_matrix", lambda *args: energy)
    for bc in ("periodic", "subc"):  # SUBC inverts it: the check comes first
        with pytest.raises(ValueError, match=message):
            effective_stiffness(sphere_rve, materials, bc=bc)


@pytest.mark.parametrize("bc", ["periodic", "kubc", "subc"])
def test_phase_averaged_stresses_of_p2_fields_add_up_to_the_stiffness(sphere_rve, materials, bc):
    result = effective_stiffness(sphere_rve, materials, bc=bc, degree=2, solver=TIGHT, local_fields=True)
    fractions = {p: f / sum(sphere_rve.volume_fractions.values()) for p, f in sphere_rve.volume_fractions.items()}
    for J, label in enumerate(result.labels):
        averages = result.local.phase_averages[label]
        mean = sum(fractions[p] * np.array(averages[p]["stress"]) for p in averages)
        # strain-driven: <sigma> of unit strain J is column J of C; SUBC: it is the unit stress J.
        expected = result.C[:, J] if bc != "subc" else np.eye(6)[J]
        assert np.abs(mean - expected).max() < 1e-8 * np.abs(result.C).max()
    assert result.hill_lemma["max_defect"] <= result.hill_lemma["bound"]


def test_an_inexact_stress_integral_fails_the_run_time_hill_check(sphere_rve, materials):
    # What phase averages of P2 fields from cell-midpoint stresses (a one-point rule) give.
    result = effective_stiffness(sphere_rve, materials, degree=2, solver=TIGHT)
    E = fem.Constant(sphere_rve.mesh, np.zeros(6))
    w = fem.Function(result.fields[0].function_space)
    cells = CellIntegrals(sphere_rve.mesh)
    midpoint = ufl.Measure("dx", domain=sphere_rve.mesh, metadata={"quadrature_degree": 0})
    strain = E + voigt_strain(w)
    form = fem.form(sum(ufl.dot(ufl.dot(fem.Constant(sphere_rve.mesh, m.stiffness), strain), cells.test) * midpoint(tag)
                        for tag, m in ((sphere_rve.phases[p], materials[p]) for p in sphere_rve.phases)))
    directions = np.eye(6)
    averages = []
    for J, field in enumerate(result.fields):
        E.value[:] = directions[J]
        w.x.array[:] = field.x.array
        averages.append(cells.assemble(form).sum(axis=0) / sphere_rve.volume)
    bound = np.full((6, 6), result.hill_lemma["bound"])
    with pytest.raises(HillLemmaError, match="Hill's lemma fails"):
        check_hill_lemma(result.C, np.array(averages), directions, bound)


def _structured_rve(n):
    domain = mesh.create_unit_cube(MPI.COMM_SELF, n, n, n)
    cells = np.arange(domain.topology.index_map(3).size_local, dtype=np.int32)
    tags = mesh.meshtags(domain, 3, cells, np.ones_like(cells))
    facets = mesh.meshtags(domain, 2, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32))
    return RVE(domain, tags, facets, {"solid": 1}, Box((1.0, 1.0, 1.0)), {"solid": 1.0}, {"solid": 1.0})


@pytest.mark.parametrize("degree", [1, 2])
def test_the_unknowns_solved_are_the_folded_nodes(soft_matrix, degree):
    n = 4
    result = effective_stiffness(_structured_rve(n), {"solid": soft_matrix}, degree=degree)
    # A structured periodic grid of n cells per side: (degree n + 1)^3 nodes, (degree n)^3 distinct ones.
    assert result.dofs == 3 * (degree * n + 1) ** 3
    assert result.unknowns == 3 * (degree * n) ** 3
    assert result.summary()["unknowns"] == result.unknowns
    assert np.abs(result.C - soft_matrix.stiffness).max() < 1e-8 * soft_matrix.stiffness.max()


def test_2d_generalized_plane_strain_stiffness_equals_the_exact_3d_laminate(soft_matrix, stiff_inclusion):
    rve = laminate([1.0, 2.0, 1.5], ["soft", "stiff", "soft"], (3.0,), MeshSettings(size=1 / 3), comm=MPI.COMM_SELF)
    result = effective_stiffness(rve, {"stiff": stiff_inclusion, "soft": soft_matrix}, solver=TIGHT)
    exact = laminate_stiffness([stiff_inclusion.stiffness, soft_matrix.stiffness], [2.0 / 4.5, 2.5 / 4.5], normal=1)
    indices = list(GENERALIZED_PLANE_STRAIN_INDICES)
    assert np.abs(result.C_generalized - exact[np.ix_(indices, indices)]).max() < 1e-7 * np.abs(exact).max()
    # The true in-plane Young's modulus along the layers (sigma33 = 0): 1 / S11 of the 3D laminate.
    E1 = result.summary()["engineering_generalized"]["E1"]
    assert E1 == pytest.approx(1 / np.linalg.inv(exact)[0, 0], rel=1e-7)
