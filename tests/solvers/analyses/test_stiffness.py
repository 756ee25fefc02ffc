"""Homogenization against exact solutions: homogeneous cells, laminates, energy ordering, errors."""

import numpy as np
import pytest
from mpi4py import MPI

from meshing import MeshSettings, inclusions, laminate
from solvers.micromechanics.bounds import laminate_isotropic, laminate_stiffness
from solvers.analyses.stiffness import effective_stiffness
from solvers.fe.linear_solver import SolverDivergedError, SolverOptions
from solvers.micromechanics.material_library import library_material
from solvers.micromechanics.voigt import plane_strain

TIGHT = SolverOptions(rtol=1e-10)


@pytest.fixture(scope="module")
def inclusion_rve_3d():
    return inclusions(0.2, (10.0, 10.0, 10.0), MeshSettings(size=1.5), center=(2.0, 3.0, 9.0), comm=MPI.COMM_SELF)


@pytest.fixture(scope="module")
def inclusion_rve_2d():
    return inclusions(0.3, (10.0, 8.0), MeshSettings(size=0.8), center=(1.0, 7.5), comm=MPI.COMM_SELF)


def _relative_error(C, C_exact):
    return np.abs(C - C_exact).max() / np.abs(C_exact).max()


def _assert_componentwise(C, C_exact, rtol):
    """Each non-zero component to ``rtol`` relative; exact zeros to ``rtol`` of the largest entry."""
    scale = np.abs(C_exact).max()
    nonzero = np.abs(C_exact) > 1e-12 * scale
    assert np.all(np.abs(C - C_exact)[nonzero] <= rtol * np.abs(C_exact)[nonzero]), C - C_exact
    assert np.all(np.abs(C[~nonzero]) <= rtol * scale), C - C_exact


@pytest.mark.parametrize("bc", ["periodic", "kubc", "subc"])
@pytest.mark.parametrize("material", ["isotropic", "rotated_crystal"])
def test_homogeneous_3d_rve_returns_its_own_stiffness(inclusion_rve_3d, soft_matrix, bc, material):
    m = soft_matrix if material == "isotropic" else library_material("aragonite", euler_deg=[30.0, 50.0, 70.0])
    result = effective_stiffness(inclusion_rve_3d, {"matrix": m, "inclusion": m}, bc=bc, solver=TIGHT)
    assert _relative_error(result.C, m.stiffness) < 1e-8


@pytest.mark.parametrize("bc", ["periodic", "kubc", "subc"])
def test_homogeneous_2d_rve_returns_its_plane_strain_stiffness(inclusion_rve_2d, bc):
    m = library_material("hydroxyapatite", euler_deg=[25.0, 0.0, 0.0])
    result = effective_stiffness(inclusion_rve_2d, {"matrix": m, "inclusion": m}, bc=bc, degree=2, solver=TIGHT)
    assert _relative_error(result.C, plane_strain(m.stiffness)) < 1e-8


@pytest.fixture(scope="module")
def laminate_3d():
    return laminate([3.0, 7.0], ["stiff", "soft"], (4.0, 5.0), MeshSettings(size=1.0), comm=MPI.COMM_SELF)


def test_periodic_3d_laminate_matches_the_exact_closed_form(laminate_3d, soft_matrix, stiff_inclusion):
    result = effective_stiffness(laminate_3d, {"stiff": stiff_inclusion, "soft": soft_matrix}, solver=TIGHT)
    exact = laminate_isotropic([70.0, 3.0], [0.2, 0.35], [0.3, 0.7])
    _assert_componentwise(result.C, exact, 1e-6)


def test_periodic_3d_laminate_of_rotated_crystals_matches_the_general_rule(laminate_3d, soft_matrix):
    crystal = library_material("aragonite", euler_deg=[20.0, 35.0, 10.0])
    result = effective_stiffness(laminate_3d, {"stiff": crystal, "soft": soft_matrix}, solver=TIGHT)
    exact = laminate_stiffness([crystal.stiffness, soft_matrix.stiffness], [0.3, 0.7], normal=2)
    _assert_componentwise(result.C, exact, 1e-6)


def test_periodic_2d_laminate_matches_the_exact_plane_strain_closed_form(soft_matrix, stiff_inclusion):
    rve = laminate([1.0, 2.0, 1.5], ["soft", "stiff", "soft"], (3.0,), MeshSettings(size=1 / 3), comm=MPI.COMM_SELF)
    result = effective_stiffness(rve, {"stiff": stiff_inclusion, "soft": soft_matrix}, solver=TIGHT)
    # 2D layers are normal to x2: the 3D rule with normal x2, restricted to (11, 22, 12).
    exact = laminate_stiffness([stiff_inclusion.stiffness, soft_matrix.stiffness], [2.0 / 4.5, 2.5 / 4.5], normal=1)
    _assert_componentwise(result.C, plane_strain(exact), 1e-6)


def _min_energy_gap(C_upper, C_lower):
    return np.linalg.eigvalsh(C_upper - C_lower).min() / np.abs(C_upper).max()


@pytest.mark.parametrize("geometry", ["laminate", "inclusion"])
def test_kubc_stiffer_than_periodic_stiffer_than_subc(geometry, laminate_3d, inclusion_rve_3d, soft_matrix, stiff_inclusion):
    if geometry == "laminate":
        rve, materials = laminate_3d, {"stiff": stiff_inclusion, "soft": soft_matrix}
    else:
        rve, materials = inclusion_rve_3d, {"matrix": soft_matrix, "inclusion": stiff_inclusion}
    C = {bc: effective_stiffness(rve, materials, bc=bc, solver=TIGHT).C for bc in ("kubc", "periodic", "subc")}
    assert _min_energy_gap(C["kubc"], C["periodic"]) > -1e-10
    assert _min_energy_gap(C["periodic"], C["subc"]) > -1e-10
    assert np.linalg.eigvalsh(C["kubc"] - C["subc"]).max() > 1e-3 * np.abs(C["periodic"]).max()


def test_mumps_and_cg_gamg_agree(inclusion_rve_3d, soft_matrix, stiff_inclusion):
    materials = {"matrix": soft_matrix, "inclusion": stiff_inclusion}
    for bc in ("periodic", "subc"):
        iterative = effective_stiffness(inclusion_rve_3d, materials, bc=bc, solver=SolverOptions(rtol=1e-8)).C
        direct = effective_stiffness(inclusion_rve_3d, materials, bc=bc, solver=SolverOptions(method="mumps")).C
        assert _relative_error(iterative, direct) < 1e-10


def test_result_reports_bounds_density_and_sizes(inclusion_rve_3d, soft_matrix, stiff_inclusion):
    result = effective_stiffness(inclusion_rve_3d, {"matrix": soft_matrix, "inclusion": stiff_inclusion})
    c = inclusion_rve_3d.volume_fractions["inclusion"]
    assert result.density == pytest.approx((1 - c) * 1.2 + c * 2.5, rel=1e-12)
    assert result.dofs == 3 * inclusion_rve_3d.mesh.topology.index_map(0).size_global
    assert len(result.iterations) == 6 and len(result.fields) == 6
    assert np.linalg.eigvalsh(result.voigt - result.C).min() > 0
    assert np.linalg.eigvalsh(result.C - result.reuss).min() > 0
    summary = result.summary()
    assert set(summary) >= {"C", "engineering", "volume_fractions", "density", "dofs", "ranks", "timings", "bounds"}


def test_missing_material_is_refused(inclusion_rve_3d, soft_matrix):
    with pytest.raises(ValueError, match=r"no material for \['inclusion'\]"):
        effective_stiffness(inclusion_rve_3d, {"matrix": soft_matrix})


def test_unknown_boundary_condition_and_degree_are_refused(inclusion_rve_3d, soft_matrix):
    materials = {"matrix": soft_matrix, "inclusion": soft_matrix}
    with pytest.raises(ValueError, match="bc='dirichlet' is not known; allowed: periodic, kubc, subc"):
        effective_stiffness(inclusion_rve_3d, materials, bc="dirichlet")
    with pytest.raises(ValueError, match=r"degree=4 is outside the allowed range 1..3"):
        effective_stiffness(inclusion_rve_3d, materials, degree=4)


def test_a_solver_that_runs_out_of_iterations_raises_with_petscs_reason(inclusion_rve_3d, soft_matrix, stiff_inclusion):
    with pytest.raises(SolverDivergedError, match="DIVERGED_MAX_IT after 2 iterations"):
        effective_stiffness(
            inclusion_rve_3d,
            {"matrix": soft_matrix, "inclusion": stiff_inclusion},
            solver=SolverOptions(rtol=1e-12, max_iterations=2),
        )


@pytest.mark.parametrize(("kwargs", "message"), [({"method": "jacobi"}, "method='jacobi'"), ({"rtol": 0.0}, r"rtol=0.0 is outside")])
def test_bad_solver_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SolverOptions(**kwargs)
