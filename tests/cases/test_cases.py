"""Every case in cases/ is valid, and every case script runs serially and under mpirun -n 2."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from solvers.case import load_case

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.mark.parametrize("path", sorted((ROOT / "cases").glob("*.toml")), ids=lambda p: p.name)
def test_case_file_is_valid(path):
    case = load_case(path)
    assert set(case.materials) == set(case.geometry.phase_names)


@pytest.mark.parametrize("ranks", [1, 2])
def test_sphere_bounds_script_orders_the_boundary_conditions(tmp_path, ranks):
    command = [str(BIN / "mpirun"), "-n", str(ranks), sys.executable, str(ROOT / "cases" / "sphere_bounds.py"),
               "--size", "0.2", "--degree", "1", "--out", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("HS bounds") == 1
    table = json.loads((tmp_path / "bounds.json").read_text())["table"]
    for key in ("C11", "C44", "K"):
        assert table["voigt"][key] > table["kubc"][key] > table["periodic"][key] > table["subc"][key] > table["reuss"][key]
