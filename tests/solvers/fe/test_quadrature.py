"""Constitutive laws at quadrature points: the elastic law reproduces the exact stiffness form,
and a law's state is per point, kept on commit and dropped on restore.

References: the elastic stiffness form assembled directly from the phase constants (exact for
the polynomial integrand at the chosen quadrature degree); a history variable whose value is known
in closed form for a homogeneous strain.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pytest
import ufl
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
import dolfinx.fem.petsc
from dolfinx import fem

from meshing import MeshSettings, inclusions
from solvers.fe.constitutive import ConstitutiveLaw, LawUpdate, LinearElastic, elastic_laws
from solvers.fe.elasticity import ElasticStiffness
from solvers.fe.kinematics import voigt_strain
from solvers.fe.quadrature import QuadratureLaws, quadrature_degree
from solvers.micromechanics.material_library import library_material


@pytest.fixture(scope="module")
def rve():
    return inclusions(0.2, (1.0, 1.0, 1.0), MeshSettings(size=0.24), center=(0.3, 0.4, 0.6), comm=MPI.COMM_SELF)


@pytest.fixture(scope="module")
def materials(soft_matrix):
    return {"matrix": soft_matrix, "inclusion": library_material("aragonite", euler_deg=[10.0, 40.0, 70.0])}


@pytest.mark.parametrize("degree", [1, 2])
def test_the_elastic_law_at_quadrature_points_gives_the_exact_stiffness_and_stress(rve, materials, degree):
    V = fem.functionspace(rve.mesh, ("Lagrange", degree, (3,)))
    laws = QuadratureLaws(rve, elastic_laws(materials), quadrature_degree(degree))
    u = fem.Function(V)
    u.x.array[:] = np.random.default_rng(1).standard_normal(u.x.array.size)
    laws.update(laws.strain_expression(voigt_strain(u)))
    du, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    J = dolfinx.fem.petsc.assemble_matrix(fem.form(ufl.dot(ufl.dot(laws.tangent, voigt_strain(du)), voigt_strain(v)) * laws.dx))
    J.assemble()
    K = dolfinx.fem.petsc.assemble_matrix(ElasticStiffness(rve, materials).bilinear_form(V))
    K.assemble()
    J.axpy(-1.0, K)
    assert J.norm() < 1e-12 * K.norm()
    residual = dolfinx.fem.petsc.assemble_vector(fem.form(ufl.dot(laws.stress, voigt_strain(v)) * laws.dx))
    Ku = K.createVecLeft()
    K.mult(u.x.petsc_vec, Ku)
    residual.axpy(-1.0, Ku)
    assert residual.norm() < 1e-12 * Ku.norm()


@dataclass(frozen=True, eq=False)
class PeakStrain:
    """Elastic, with a history: the largest strain norm each point has seen (like a damage history)."""

    material: object

    name = "peak"
    is_linear = False

    @property
    def state_shapes(self) -> Mapping[str, tuple[int, ...]]:
        return {"peak": ()}

    def elastic_stiffness(self):
        return self.material.stiffness

    def initial_state(self, n):
        return {"peak": np.zeros(n)}

    def update(self, strain, state):
        elastic = LinearElastic(self.material).update(strain, state)
        return LawUpdate(elastic.stress, elastic.tangent, {"peak": np.maximum(state["peak"], np.linalg.norm(strain, axis=1))})


def test_state_is_per_point_kept_on_commit_and_dropped_on_restore(rve, soft_matrix):
    law = PeakStrain(soft_matrix)
    assert isinstance(law, ConstitutiveLaw)
    laws = QuadratureLaws(rve, {"matrix": law, "inclusion": LinearElastic(soft_matrix)}, 2)
    E = fem.Constant(rve.mesh, np.zeros(6))
    strain = laws.strain_expression(E + ufl.as_vector([0.0] * 6))
    matrix_cells = np.count_nonzero(rve.cell_tags.values == rve.phases["matrix"])
    assert laws.groups[0].committed["peak"].shape == (matrix_cells * laws.num_points,)

    def peak():
        return laws.cell_average("peak")[rve.cell_tags.values == rve.phases["matrix"]]

    E.value[:] = [0.02, 0, 0, 0, 0, 0]
    laws.update(strain)
    laws.commit()
    assert np.allclose(peak(), 0.02)
    E.value[:] = [0.01, 0, 0, 0, 0, 0]  # unloading: the history stays at its peak
    laws.update(strain)
    laws.commit()
    assert np.allclose(peak(), 0.02)
    E.value[:] = [0.05, 0, 0, 0, 0, 0]
    laws.update(strain)
    snapshot = laws.state_snapshot()
    laws.restore()  # a step cut: the trial peak is forgotten
    laws.commit()
    assert np.allclose(peak(), 0.02)
    laws.update(strain)
    laws.commit()
    assert np.allclose(peak(), 0.05)
    laws.load_snapshot(snapshot)
    assert np.allclose(peak(), 0.02)
    assert np.all(laws.cell_average("peak")[rve.cell_tags.values == rve.phases["inclusion"]] == 0)
