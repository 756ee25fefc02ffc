"""Parallel runs (``mpirun -n 2 python -m pytest -m mpi``): same answers as one rank.

Each test builds the same RVE on COMM_WORLD and, on rank 0 alone, on COMM_SELF; gmsh meshes
are deterministic, so the serial and parallel runs solve the same discrete problem.
Assertions run on every rank with broadcast values, so a failure cannot leave a rank waiting.
"""

import tempfile
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
from dolfinx import fem, mesh

from meshing import Box, MeshSettings, inclusions, laminate, particles_geometry, polycrystal_geometry
from meshing.rve import build_rve
from solvers.micromechanics.bounds import isotropic_projection, laminate_isotropic
from solvers.analyses.stiffness import effective_stiffness
from solvers.fe.linear_solver import SolverOptions
from solvers.micromechanics.material_library import library_material
from solvers.fe.periodic import periodic_space

pytestmark = [
    pytest.mark.mpi,
    pytest.mark.skipif(MPI.COMM_WORLD.size < 2, reason="needs mpirun -n 2 (or more)"),
]

COMM = MPI.COMM_WORLD
SOLVER = SolverOptions(rtol=1e-8)


def _serial_on_rank0(compute):
    value = compute(MPI.COMM_SELF) if COMM.rank == 0 else None
    return COMM.bcast(value, root=0)


def _sphere_rve(comm):
    return inclusions(0.2, (10.0, 10.0, 10.0), MeshSettings(size=1.5), center=(3.0, 4.0, 9.5), comm=comm)


@pytest.mark.parametrize(("bc", "degree"), [("periodic", 1), ("periodic", 2), ("kubc", 1), ("subc", 1)])
def test_same_stiffness_on_one_and_two_ranks(soft_matrix, stiff_inclusion, bc, degree):
    materials = {"matrix": soft_matrix, "inclusion": stiff_inclusion}

    def stiffness(comm):
        return effective_stiffness(_sphere_rve(comm), materials, bc=bc, degree=degree, solver=SOLVER).C

    parallel = stiffness(COMM)
    serial = _serial_on_rank0(stiffness)
    assert np.abs(parallel - serial).max() / np.abs(serial).max() < 1e-9


@pytest.mark.parametrize("degree", [1, 2])
def test_layered_preconditioner_gives_the_serial_stiffness_of_nacre_on_the_tensor_grid(degree):
    """Deflated stiff tablets (found across ranks and through the periodic faces), ASM smoothing."""
    from meshing import nacre_geometry
    from solvers.micromechanics.materials import isotropic

    geometry = nacre_geometry(1000.0, 100.0, 0.3, interlayer_thickness=10.0, dim=3)
    settings = MeshSettings(size=50.0, mesher="tensor", axis_sizes=(100.0, 100.0, 25.0))
    materials = {"tablet": isotropic(100.0, 0.25, 1.0), "interlayer": isotropic(0.01, 0.35, 1.0)}

    def stiffness(comm):
        rve = build_rve(geometry, settings, comm)
        return effective_stiffness(rve, materials, degree=degree, solver=SolverOptions(rtol=1e-10)).C

    parallel = stiffness(COMM)
    serial = _serial_on_rank0(stiffness)
    assert np.abs(parallel - serial).max() / np.abs(serial).max() < 1e-9


def test_polycrystal_with_per_grain_lattices_agrees_with_serial_and_keeps_the_exact_bulk_modulus():
    # Cell orientations are looked up per rank from the grains; a mismatch would change C.
    copper = library_material("copper")
    geometry = polycrystal_geometry(8, (8.0, 8.0, 8.0), film_thickness=0.9, seed=2)
    settings = MeshSettings(size=0.7, phase_size={"film": 0.3})
    materials = {"grain": copper, "film": library_material("Zr_metallic_glass")}

    def stiffness(comm):
        return effective_stiffness(build_rve(geometry, settings, comm=comm), materials, solver=SOLVER).C

    parallel = stiffness(COMM)
    serial = _serial_on_rank0(stiffness)
    assert np.abs(parallel - serial).max() / np.abs(serial).max() < 1e-9
    plain = effective_stiffness(build_rve(polycrystal_geometry(8, (8.0, 8.0, 8.0), seed=2), MeshSettings(size=0.7), comm=COMM),
                                {"grain": copper}, solver=SOLVER).C
    C11, C12 = copper.stiffness[0, 0], copper.stiffness[0, 1]
    assert isotropic_projection(plain)[0] == pytest.approx((C11 + 2 * C12) / 3, rel=1e-8)


def test_faceted_nanocubes_with_lattices_on_their_axes_agree_with_serial():
    # Each cube's lattice follows its own (random) axes; cells find their cube per rank.
    geometry = particles_geometry(6, 0.3, (10.0, 10.0, 10.0), shape="cube", lattice="shape", seed=3)
    materials = {"particle": library_material("copper"), "matrix": library_material("Zr_metallic_glass")}

    def stiffness(comm):
        return effective_stiffness(build_rve(geometry, MeshSettings(size=0.8), comm=comm), materials, solver=SOLVER).C

    parallel = stiffness(COMM)
    serial = _serial_on_rank0(stiffness)
    assert np.abs(parallel - serial).max() / np.abs(serial).max() < 1e-9


def test_mesh_is_distributed_and_fractions_agree_with_serial():
    rve = _sphere_rve(COMM)
    owned = rve.mesh.topology.index_map(3).size_local
    assert COMM.allreduce(int(owned > 0), op=MPI.SUM) == COMM.size
    serial = _serial_on_rank0(lambda comm: _sphere_rve(comm).volume_fractions)
    for phase, value in serial.items():
        assert rve.volume_fractions[phase] == pytest.approx(value, rel=1e-12)


def test_a_mesh_refined_in_parallel_gives_the_serial_fractions_and_stiffness(soft_matrix, stiff_inclusion):
    """Each rank splits its own cells; the sphere crosses the faces x = 0 and z = 10, so new
    nodes go onto curves in the periodic faces too, and the folded space must still find every
    image. Children stay on their parent's rank and, like the coarse mesh, have no ghost cells."""
    materials = {"matrix": soft_matrix, "inclusion": stiff_inclusion}

    def refined(comm):
        rve = inclusions(0.2, (10.0, 10.0, 10.0), MeshSettings(size=2.0, uniform_refinements=1), center=(3.0, 4.0, 9.5),
                         comm=comm)
        return rve, rve.volume_fractions, effective_stiffness(rve, materials, solver=SOLVER).C

    rve, fractions, C = refined(COMM)
    imap = rve.mesh.topology.index_map(3)
    assert imap.num_ghosts == 0 and np.array_equal(np.sort(rve.cell_tags.indices), np.arange(imap.size_local))
    serial_fractions, serial_C = _serial_on_rank0(lambda comm: refined(comm)[1:])
    for phase, value in serial_fractions.items():
        assert fractions[phase] == pytest.approx(value, rel=1e-12)
    assert np.abs(C - serial_C).max() / np.abs(serial_C).max() < 1e-9


def test_the_parent_mesh_level_transfer_is_the_unfolded_one_on_two_ranks():
    """h-multigrid's transfer on 2 ranks, through the fold: every owned fine unknown finds its
    parent cell on its own rank, and every weight lands on the master of its coarse column."""
    from tests.solvers.fe.test_h_multigrid import folded_against_unfolded_transfer

    rve = laminate([0.4, 0.6], ["stiff", "soft"], (1.0, 1.0), MeshSettings(size=0.13, uniform_refinements=1), comm=COMM)
    assert folded_against_unfolded_transfer(rve) < 1e-12


def test_laminate_is_exact_in_parallel(soft_matrix, stiff_inclusion):
    rve = laminate([3.0, 7.0], ["stiff", "soft"], (4.0, 5.0), MeshSettings(size=1.0), comm=COMM)
    C = effective_stiffness(rve, {"stiff": stiff_inclusion, "soft": soft_matrix}, solver=SolverOptions(rtol=1e-10)).C
    exact = laminate_isotropic([70.0, 3.0], [0.2, 0.35], [0.3, 0.7])
    nonzero = np.abs(exact) > 0
    assert np.all(np.abs(C - exact)[nonzero] <= 1e-6 * np.abs(exact)[nonzero])
    assert np.all(np.abs(C[~nonzero]) <= 1e-6 * np.abs(exact).max())


@pytest.mark.parametrize("bc", ["periodic", "kubc", "subc"])
def test_homogeneous_crystal_is_exact_in_parallel(bc):
    crystal = library_material("hydroxyapatite", euler_deg=[10.0, 60.0, 20.0])
    result = effective_stiffness(_sphere_rve(COMM), {"matrix": crystal, "inclusion": crystal}, bc=bc, solver=SOLVER)
    assert np.abs(result.C - crystal.stiffness).max() / np.abs(crystal.stiffness).max() < 1e-8


def test_non_periodic_mesh_is_refused_on_every_rank():
    domain = mesh.create_unit_cube(COMM, 4, 4, 4)
    x = domain.geometry.x
    on_face = np.flatnonzero((np.abs(x[:, 0] - 1.0) < 1e-12) & (x[:, 1] > 0.3) & (x[:, 1] < 0.7) & (x[:, 2] > 0.3) & (x[:, 2] < 0.7))
    x[on_face, 1] += 1e-3
    V = fem.functionspace(domain, ("Lagrange", 1, (3,)))
    with pytest.raises(RuntimeError, match="mesh is not periodic"):
        periodic_space(V, Box((1.0, 1.0, 1.0)))


def test_cli_run_writes_one_results_folder_under_mpi():
    from solvers.app.cli import main
    from solvers.app.output import read_summary

    root = Path(__file__).resolve().parents[1]
    workdir = COMM.bcast(tempfile.mkdtemp(prefix="amorfem-mpi-") if COMM.rank == 0 else None, root=0)
    out = Path(workdir) / "run"
    code = main(["run", str(root / "cases" / "nanocrystal_in_amorphous.toml"), "--out", str(out),
                 "--no-picture", "--quiet", "--set", "mesh.size=3.0", "--set", "mesh.degree=1"])
    assert code == 0
    COMM.barrier()
    summary = read_summary(out)
    assert summary["ranks"] == COMM.size
    assert (out / summary["files"]["fields"]).is_file()
    assert not list(out.glob(".*tmp*"))


def test_phase_averages_and_the_hill_check_agree_with_serial(soft_matrix, stiff_inclusion):
    materials = {"matrix": soft_matrix, "inclusion": stiff_inclusion}

    def averages(comm):
        # Phase averages are linear in the solver error (C is quadratic): solve tighter to compare them.
        result = effective_stiffness(_sphere_rve(comm), materials, degree=2, solver=SolverOptions(rtol=1e-11),
                                     local_fields=True)
        return {label: {p: v["stress"] for p, v in phases.items()} for label, phases in result.local.phase_averages.items()}

    parallel = averages(COMM)
    serial = _serial_on_rank0(averages)
    for label, phases in serial.items():
        for phase, stress in phases.items():
            assert np.abs(np.array(parallel[label][phase]) - stress).max() < 1e-8 * max(np.abs(stress).max(), 1.0)


def test_a_floating_phase_is_named_on_every_rank():
    from tests.solvers.fe.test_connectivity import MATERIALS, _floating_rve
    from solvers.fe.connectivity import FloatingPhaseError

    with pytest.raises(FloatingPhaseError, match=r"\['inclusion'\] float"):
        effective_stiffness(_floating_rve(COMM), MATERIALS, solver=SolverOptions(method="mumps"))


def test_a_specimen_on_two_ranks_has_the_serial_boundaries_and_fractions():
    from meshing import laminate_geometry, three_point_bending
    from meshing.specimen_mesh import build_specimen

    geometry = three_point_bending(400.0, 100.0, 30.0, laminate_geometry([30.0, 10.0], ["stiff", "soft"], (40.0,)),
                                   overhang=25.0, contact_width=10.0)
    settings = MeshSettings(size=5.0, phase_size={"soft": 3.0})

    def describe(comm):
        specimen = build_specimen(geometry, settings, comm=comm)
        mesh_ = specimen.mesh
        num_owned = mesh_.topology.index_map(1).size_local
        counts = {name: comm.allreduce(int(np.count_nonzero(specimen.facets_of(name) < num_owned)))
                  for name in specimen.boundaries}
        return counts, specimen.volume_fractions

    counts, fractions = describe(COMM)
    serial_counts, serial_fractions = _serial_on_rank0(describe)
    assert counts == serial_counts
    for phase, value in serial_fractions.items():
        assert fractions[phase] == pytest.approx(value, rel=1e-12)


def test_newton_and_the_obstacle_solve_are_exact_on_two_ranks():
    from tests.solvers.fe.test_nonlinear_solver import DIRECT, _nonlinear_diffusion
    from solvers.fe.nonlinear_solver import NewtonOptions, NonlinearSolver

    F, u, bcs, exact = _nonlinear_diffusion(COMM)
    NonlinearSolver(F, u, NewtonOptions(linear=DIRECT, rtol=1e-12, atol=1e-13), bcs=bcs).solve()
    assert COMM.allreduce(np.abs(u.x.array - exact.x.array).max(), op=MPI.MAX) < 1e-11


@pytest.mark.parametrize("method", ["cg-gamg", "mumps"])
def test_plastic_sphere_in_matrix_has_the_same_curve_on_one_and_two_ranks(method):
    # Non-associated Drucker-Prager glass around an elastic sphere, pulled past yield: the yield
    # strength, the curve and the plastic state agree with the serial run to solver tolerance.
    from solvers.analyses.strength import StrengthSettings, strength
    from solvers.fe.macro_newton import NewtonSettings
    from solvers.micromechanics.materials import isotropic
    from solvers.micromechanics.plasticity import DruckerPragerPlasticity

    glass = isotropic(90.0, 0.36, 6.0, plasticity=DruckerPragerPlasticity(1.96, 2.43, dilatancy=0.5, hardening_modulus=2.0))
    materials = {"matrix": glass, "inclusion": isotropic(130.0, 0.34, 8.9)}
    settings = StrengthSettings(strain=(0.0, 0.04), steps=10, fields_every=0,
                                newton=NewtonSettings(force_tolerance=1e-11, stress_tolerance=1e-11))

    def curve(comm):
        rve = inclusions(0.25, (1.0, 1.0, 1.0), MeshSettings(size=0.2), center=(0.3, 0.4, 0.45), comm=comm)
        result = strength(rve, materials, settings, solver=SolverOptions(method=method, rtol=1e-11))
        return (np.array(result.curve["loaded_stress"]), np.array(result.curve["plastic_strain"]),
                result.metrics.yield_strength)

    stress, plastic, yield_strength = curve(COMM)
    serial_stress, serial_plastic, serial_yield = _serial_on_rank0(curve)
    assert plastic[-1] > 1e-3  # it did yield
    assert np.abs(stress - serial_stress).max() < 1e-8 * np.abs(serial_stress).max()
    assert np.abs(plastic - serial_plastic).max() < 1e-7 * serial_plastic.max()
    assert yield_strength == pytest.approx(serial_yield, rel=1e-8)


@pytest.mark.parametrize("method", ["cg-gamg", "mumps"])
def test_a_crack_through_an_rve_is_the_same_on_one_and_two_ranks(method):
    # AT1 phase-field fracture of a 2D cell with a slightly weaker layer, pulled normal to it
    # until the load is lost: curve, energies and crack agree with the serial run.
    from dataclasses import replace

    from solvers.analyses.toughness import ToughnessSettings, toughness_rve
    from solvers.micromechanics.materials import isotropic

    bulk = replace(isotropic(100.0, 0.25, 3.0), fracture_energy=1.0)
    materials = {"weak": replace(bulk, fracture_energy=0.99), "bulk": bulk}
    settings = ToughnessSettings(model="AT1", length=1.0, strain=(0.0, 0.12), steps=40, direction=(0.0, 1.0))

    def run(comm):
        rve = laminate([1.0, 5.0], ["weak", "bulk"], [2.0], MeshSettings(size=0.25), comm=comm)
        result = toughness_rve(rve, materials, settings, solver=SolverOptions(method=method, rtol=1e-11))
        return (np.array(result.curve["loaded_stress"]), np.array(result.curve["dissipated_energy"]),
                result.metrics["failure_strain"])

    stress, dissipated, failure = run(COMM)
    serial_stress, serial_dissipated, serial_failure = _serial_on_rank0(run)
    assert failure is not None and failure == pytest.approx(serial_failure, rel=1e-12)
    assert stress.shape == serial_stress.shape
    assert np.abs(stress - serial_stress).max() < 1e-6 * np.abs(serial_stress).max()
    assert np.abs(dissipated - serial_dissipated).max() < 1e-6 * serial_dissipated.max()


@pytest.mark.parametrize("prescribed", ["displacement", "opening"])
def test_a_notched_specimen_cracks_the_same_on_one_and_two_ranks(prescribed):
    # SENT of one brittle solid (AT1, MUMPS), under load-point displacement or crack-mouth
    # opening control: force-displacement, crack extension and R-curve agree with the serial run.
    from dataclasses import replace

    from meshing import Refinement, laminate_geometry, single_edge_notched_tension
    from meshing.specimen_mesh import build_specimen
    from solvers.analyses.notched import toughness_notched
    from solvers.analyses.toughness import ToughnessSettings
    from solvers.micromechanics.materials import isotropic

    W, H, a = 40.0, 80.0, 8.0
    solid = replace(isotropic(100.0, 0.25, 3.0), fracture_energy=1.0)
    region = ((a - 2.0, H / 2 - 4.0), (a + 10.0, H / 2 + 4.0))
    path = {"displacement": (0.0, 2.0)} if prescribed == "displacement" else {"prescribed": "opening", "opening": (0.0, 1.5)}
    settings = ToughnessSettings(mode="notched", model="AT1", length=1.0, steps=40, crack_region=region, **path)

    def run(comm):
        geometry = single_edge_notched_tension(W, H, a, laminate_geometry([H], ["solid"], [W]), notch_width=0.5)
        mesh = MeshSettings(size=8.0, refinements=(Refinement((a - 4.0, H / 2 - 6.0), (a + 12.0, H / 2 + 6.0), 1 / 3),))
        result = toughness_notched(build_specimen(geometry, mesh, comm=comm), {"solid": solid}, settings)
        return (np.array(result.curve["force"]), np.array(result.curve["crack_extension"]), result.metrics["J_IC_J_m2"])

    force, extension, J = run(COMM)  # opening control: the crack reaches the end of its region by an opening of 1.3 nm
    serial_force, serial_extension, serial_J = _serial_on_rank0(run)
    assert extension[-1] > 8.0 and force.shape == serial_force.shape
    assert np.abs(force - serial_force).max() < 1e-6 * serial_force.max()
    assert np.abs(extension - serial_extension).max() < 1e-9
    assert J == pytest.approx(serial_J, rel=1e-6)


def test_a_study_gives_the_same_table_with_one_or_two_ranks_per_case(tmp_path):
    # Four laminate points on 2 ranks: two groups of one rank taking points dynamically, then one
    # group of two ranks solving each point in parallel. The tables agree to solver tolerance,
    # and each point ran exactly once.
    import pandas as pd

    from solvers.studies import Study, grid

    base = {"geometry": {"kind": "laminate", "thicknesses": [1.0, 1.0], "phases": ["a", "b"], "width": [2.0]},
            "materials": {"a": {"E": 10.0, "nu": 0.3, "density": 2.0}, "b": {"E": 1.0, "nu": 0.3, "density": 1.0}},
            "mesh": {"size": 0.3}, "solver": {"rtol": 1e-10}}
    folder = COMM.bcast(str(tmp_path), root=0)
    design = grid({"materials.a.E": [5.0, 10.0, 20.0, 40.0]})
    tables = {k: Study(base=base, design=design, name="laminate", directory=f"{folder}/k{k}").run(COMM, ranks_per_case=k)
              for k in (1, 2)}
    one, two = tables[1], tables[2]
    assert (one["status"] == "ok").all() and (two["status"] == "ok").all()
    assert one["ranks"].tolist() == [1] * 4 and two["ranks"].tolist() == [2] * 4
    assert set(one["group"]) == {0, 1} and set(two["group"]) == {0}        # both single-rank groups took points
    numbers = [c for c in one.columns if c.startswith("C") or c in ("E1", "E2", "G12", "density", "dofs")]
    scale = np.abs(one[["C11", "C22"]].to_numpy()).max()
    assert np.abs(one[numbers].to_numpy() - two[numbers].to_numpy()).max() <= 1e-8 * scale
    assert one["point_id"].tolist() == two["point_id"].tolist()
    if COMM.rank == 0:
        assert len(list(Path(folder, "k1", "points").glob("*.json"))) == 4
        assert len(list(Path(folder, "k1", "runs").iterdir())) == 4
        pd.testing.assert_frame_equal(pd.read_parquet(Path(folder, "k1", "table.parquet")), one)

