"""Every case in cases/ is valid; every ready case runs under mpirun -n 2 as shipped and gives a
summary and a picture; the case script runs serially and under mpirun -n 2."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from solvers.app.case import load_case

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CASE_FILES = sorted((ROOT / "cases").rglob("*.toml"))
READY = sorted((ROOT / "cases").glob("*.toml")) + [ROOT / "cases" / "enamel_hierarchical" / "bulk.toml"]


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: str(p.relative_to(ROOT / "cases")))
def test_case_file_is_valid(path):
    case = load_case(path)
    assert set(case.materials) == set(case.geometry.phase_names)


@pytest.mark.parametrize("path", READY, ids=lambda p: str(p.relative_to(ROOT / "cases")))
def test_ready_case_runs_on_two_ranks_with_summary_and_picture(tmp_path, path):
    out = tmp_path / path.stem
    run = subprocess.run([str(BIN / "mpirun"), "-n", "2", str(BIN / "amorfem"), "run", str(path), "--out", str(out), "--quiet"],
                         capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert run.returncode == 0, run.stderr
    import pyvista as pv

    for summary_path in out.rglob("summary.json"):  # the case and, for hierarchical cases, every lower scale
        summary = json.loads(summary_path.read_text())
        C, voigt, reuss = (np.array(m) for m in (summary["C"], summary["bounds"]["voigt"], summary["bounds"]["reuss"]))
        assert summary["ranks"] == 2
        assert np.linalg.eigvalsh(voigt - C).min() > -1e-6 * np.abs(C).max()
        assert np.linalg.eigvalsh(C - reuss).min() > -1e-6 * np.abs(C).max()
        picture = pv.read(summary_path.parent / "rve.png")
        assert np.asarray(picture.point_data[picture.array_names[0]]).std() > 10


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
