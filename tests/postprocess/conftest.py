"""Results folders for the post-processing tests, computed once per session (serial, small)."""

import pytest
from mpi4py import MPI

from meshing import Ball, Box, MeshSettings, PeriodicGeometry
from solvers.analyses import analysis_named
from solvers.analyses.stiffness import StiffnessSettings
from solvers.app.case import Case, parse_case
from solvers.fe.linear_solver import SolverOptions
from solvers.micromechanics.material_library import library_material
from solvers.app.run import run_case


@pytest.fixture(scope="session")
def sphere_results(tmp_path_factory):
    """3D: a stiff isotropic sphere (E=70 GPa) in a soft matrix (E=3 GPa), 20 vol%, local fields."""
    case = parse_case({
        "title": "stiff sphere in soft glass",
        "geometry": {"kind": "inclusions", "volume_fraction": 0.2, "box": [10.0, 10.0, 10.0]},
        "materials": {"matrix": {"E": 3.0, "nu": 0.35, "density": 1.2}, "inclusion": {"E": 70.0, "nu": 0.2, "density": 2.5}},
        "mesh": {"size": 1.5, "degree": 1},
    }, name="sphere")
    out = tmp_path_factory.mktemp("post") / "sphere"
    run_case(case, out, comm=MPI.COMM_SELF)
    return out


@pytest.fixture(scope="session")
def interlayer_results(tmp_path_factory):
    """3D: aragonite tablets with a 0.3 nm protein interlayer (a laminate 5 x 5 x 5 nm)."""
    case = parse_case({
        "title": "tablet and thin interlayer",
        "geometry": {"kind": "laminate", "thicknesses": [4.7, 0.3], "phases": ["tablet", "interlayer"], "width": [5.0, 5.0]},
        "materials": {"tablet": "aragonite", "interlayer": "nacre_protein"},
        "mesh": {"size": 0.8, "phase_size": {"interlayer": 0.1}},
    }, name="interlayer")
    out = tmp_path_factory.mktemp("post") / "interlayer"
    run_case(case, out, comm=MPI.COMM_SELF)
    return out


@pytest.fixture(scope="session")
def coated_wire_results(tmp_path_factory):
    """2D: a 40 nm hydroxyapatite wire with a 2 nm amorphous ZrO2 coating in PVA (60 nm cell)."""
    geometry = PeriodicGeometry(Box((60.0, 60.0)), "matrix",
                                (Ball("coating", (30.0, 30.0), 22.0), Ball("wire", (30.0, 30.0), 20.0)))
    materials = {"matrix": library_material("PVA"), "coating": library_material("amorphous_ZrO2"),
                 "wire": library_material("hydroxyapatite")}
    case = Case("coated_wire", "2 nm coating on a 40 nm wire", "custom", geometry, materials,
                MeshSettings(size=3.0, phase_size={"coating": 0.6}), 1, analysis_named("stiffness"), StiffnessSettings("periodic"),
                SolverOptions(),
                True, {"geometry": "coated wire, built in tests/postprocess/conftest.py"})
    out = tmp_path_factory.mktemp("post") / "coated_wire"
    run_case(case, out, comm=MPI.COMM_SELF)
    return out


@pytest.fixture(scope="session")
def strength_results(tmp_path_factory):
    """3D: stiff elastic spheres in a Drucker-Prager glass pulled to 3 %, fields every 4 steps."""
    case = parse_case({
        "title": "spheres in a yielding glass",
        "geometry": {"kind": "inclusions", "volume_fraction": 0.2, "box": [10.0, 10.0, 10.0]},
        "materials": {"matrix": "Zr_metallic_glass", "inclusion": {"E": 130.0, "nu": 0.34, "density": 8.9}},
        "mesh": {"size": 2.2, "degree": 1},
        "analysis": {"type": "strength", "strain": [0.0, 0.03], "steps": 12, "fields_every": 4},
        "solver": {"method": "mumps"},
    }, name="strength")
    out = tmp_path_factory.mktemp("post") / "strength"
    run_case(case, out, comm=MPI.COMM_SELF)
    return out
