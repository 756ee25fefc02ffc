"""Hierarchical homogenization: a lower scale's stiffness as the next scale's material."""

import json
import textwrap

import numpy as np
import pytest
from mpi4py import MPI

from meshing import MeshSettings, inclusions, laminate
from solvers.app.case import load_case
from solvers.analyses.stiffness import effective_stiffness
from solvers.fe.linear_solver import SolverOptions
from solvers.micromechanics.material_library import library_material
from solvers.micromechanics.materials import homogenized_material
from solvers.app.run import run_case
from solvers.micromechanics.voigt import rotate_stiffness, rotation_from_euler

TIGHT = SolverOptions(rtol=1e-10)


def _relative(C, exact):
    return np.abs(C - exact).max() / np.abs(exact).max()


@pytest.fixture(scope="module")
def level_one(soft_matrix, stiff_inclusion):
    rve = laminate([3.0, 7.0], ["stiff", "soft"], (4.0, 5.0), MeshSettings(size=1.0), comm=MPI.COMM_SELF)
    return effective_stiffness(rve, {"stiff": stiff_inclusion, "soft": soft_matrix}, solver=TIGHT)


@pytest.fixture(scope="module")
def upper_rve():
    return inclusions(0.2, (10.0, 10.0, 10.0), MeshSettings(size=1.5), comm=MPI.COMM_SELF)


def test_two_level_chain_with_identical_phases_reproduces_the_one_level_result(level_one, upper_rve):
    material = homogenized_material(level_one.C, level_one.density, "level one")
    level_two = effective_stiffness(upper_rve, {"matrix": material, "inclusion": material}, solver=TIGHT)
    assert _relative(level_two.C, level_one.C) < 1e-8
    assert level_two.density == pytest.approx(level_one.density, rel=1e-12)


def test_turned_lower_scale_equals_the_rotated_tensor_and_the_rotated_crystal(upper_rve):
    crystal = library_material("aragonite")
    lower = effective_stiffness(upper_rve, {"matrix": crystal, "inclusion": crystal}, solver=TIGHT)
    angles = [20.0, 35.0, 50.0]
    turned = homogenized_material(lower.C, lower.density, "turned", euler_deg=angles)
    result = effective_stiffness(upper_rve, {"matrix": turned, "inclusion": turned}, solver=TIGHT)
    assert _relative(result.C, rotate_stiffness(lower.C, rotation_from_euler(*angles))) < 1e-8
    assert _relative(result.C, library_material("aragonite", euler_deg=angles).stiffness) < 1e-8


def test_plane_strain_result_cannot_be_a_material():
    with pytest.raises(ValueError, match="a lower scale must be a 3D RVE"):
        homogenized_material(np.eye(3), 1.0, "flat")


def _write(path, text):
    path.write_text(textwrap.dedent(text))
    return path


LOWER = """
    [geometry]
    kind = "laminate"
    thicknesses = [2.0, 3.0]
    phases = ["a", "b"]
    width = [3.0, 3.0]
    [materials]
    a = "aragonite"
    b = {{ E = 5.0, nu = 0.3, density = 1.2 }}
    [mesh]
    size = {size}
    [solver]
    rtol = 1e-10
"""

UPPER = """
    [geometry]
    kind = "laminate"
    thicknesses = [1.0, 1.0]
    phases = ["left", "right"]
    width = [2.0, 2.0]
    [materials]
    left = {{ from = "{lower}", euler_deg = [10.0, 20.0, 30.0] }}
    right = {{ from = "{lower}", euler_deg = [10.0, 20.0, 30.0] }}
    [mesh]
    size = 0.33
    [solver]
    rtol = 1e-10
"""


def test_case_files_chain_through_from_and_reuse_the_lower_results(tmp_path):
    _write(tmp_path / "lower.toml", LOWER.format(size=0.6))
    upper = load_case(_write(tmp_path / "upper.toml", UPPER.format(lower="lower.toml")))
    summary = run_case(upper, tmp_path / "out", comm=MPI.COMM_SELF)
    lower_summary = json.loads((tmp_path / "out" / "lower_scales" / "lower" / "summary.json").read_text())
    expected = rotate_stiffness(np.array(lower_summary["C"]), rotation_from_euler(10.0, 20.0, 30.0))
    assert _relative(np.array(summary["C"]), expected) < 1e-8


def test_changing_the_lower_case_changes_the_upper_digest(tmp_path):
    _write(tmp_path / "lower.toml", LOWER.format(size=0.6))
    before = load_case(_write(tmp_path / "upper.toml", UPPER.format(lower="lower.toml"))).digest
    _write(tmp_path / "lower.toml", LOWER.format(size=0.5))
    assert load_case(tmp_path / "upper.toml").digest != before


def test_a_case_that_refers_back_to_itself_is_refused(tmp_path):
    _write(tmp_path / "loop.toml", UPPER.format(lower="loop.toml"))
    with pytest.raises(ValueError, match="refers back to itself"):
        load_case(tmp_path / "loop.toml")


def test_a_2d_lower_scale_is_refused(tmp_path):
    _write(tmp_path / "flat.toml", LOWER.format(size=0.6).replace("width = [3.0, 3.0]", "width = [3.0]"))
    _write(tmp_path / "upper.toml", UPPER.format(lower="flat.toml"))
    with pytest.raises(ValueError, match="lower-scale case 'flat.toml' is 2D"):
        load_case(tmp_path / "upper.toml")
