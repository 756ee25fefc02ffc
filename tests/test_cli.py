"""``amorfem run`` as a user runs it: ``mpirun -n 2 amorfem run CASE.toml`` in a subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEFAULT_CASE = ROOT / "cases" / "nanocrystal_in_amorphous.toml"
COARSE = ["--set", "mesh.size=3.0", "--set", "mesh.degree=1"]


def amorfem(*args, ranks=2):
    command = [str(BIN / "mpirun"), "-n", str(ranks), str(BIN / "amorfem"), *map(str, args)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "default"
    result = amorfem("run", DEFAULT_CASE, "--out", out, *COARSE)
    assert result.returncode == 0, result.stderr
    return out, result


def test_default_case_writes_summary_with_every_promised_entry(default_run):
    out, _ = default_run
    summary = json.loads((out / "summary.json").read_text())
    for key in ("C", "engineering", "volume_fractions", "density", "dofs", "ranks", "timings", "software", "units"):
        assert key in summary
    assert summary["ranks"] == 2
    assert {"mesh", "assemble", "solve"} <= set(summary["timings"])
    assert {"dolfinx", "petsc", "gmsh", "python"} <= set(summary["software"])
    assert summary["units"]["length"] == "nm" and summary["units"]["stress_and_moduli"] == "GPa"
    C = np.array(summary["C"])
    assert C.shape == (6, 6) and np.linalg.eigvalsh(C).min() > 0


def test_default_case_writes_mesh_fields_and_picture(default_run):
    out, _ = default_run
    import pyvista as pv

    summary = json.loads((out / "summary.json").read_text())
    fields = pv.read(out / summary["files"]["fields"])
    assert fields.n_blocks == 2  # one piece per rank
    names = set(fields[0].array_names)
    assert {"phase", "w_11", "w_22", "w_33", "w_23", "w_13", "w_12"} <= names
    assert (out / "rve.msh").stat().st_size > 0
    picture = pv.read(out / "rve.png")
    assert picture.dimensions[:2] == (1024, 768)


def test_only_rank_0_prints(default_run):
    _, result = default_run
    assert result.stderr.count("meshing (inclusions)") == 1
    # The coarse mesh (3 nm for a 14.5 nm sphere) loses particle volume: warned once, by rank 0.
    assert result.stderr.count("phase 'nanocrystal' is meshed at a volume fraction") == 1


def test_second_run_with_the_same_inputs_is_skipped(default_run):
    out, _ = default_run
    before = (out / "summary.json").stat().st_mtime_ns
    again = amorfem("run", DEFAULT_CASE, "--out", out, *COARSE)
    assert again.returncode == 0
    assert "up to date" in again.stderr
    assert (out / "summary.json").stat().st_mtime_ns == before


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("materials.amorphous_matrix={E = 165.0, nu = 0.5, density = 3.1}", "nu=0.5 is outside the allowed range (-1, 0.5)"),
        ("materials.amorphous_matrix='glass'", "unknown material 'glass'"),
        ("geometry.volume_fraction=0.6", "volume_fraction=0.6 is outside (0, 0.5236)"),
        ("geometry.box=[20.0, -20.0, 20.0]", "box[1]=-20.0 is not allowed"),
        ("mesh.size=8.0", "mesh too coarse for phase 'nanocrystal'"),
        ("analysis.bc='fixed'", "bc='fixed' is not known"),
    ],
)
def test_bad_input_fails_fast_with_a_clear_message(tmp_path, override, message):
    result = amorfem("run", DEFAULT_CASE, "--out", tmp_path / "bad", "--set", override, ranks=1)
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "bad").exists()
