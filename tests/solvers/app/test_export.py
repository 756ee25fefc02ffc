"""``amorfem export``: the RVE mesh with phase sets, face sets and periodic node pairs, read back.

Every file is read back with meshio; the references are the gmsh mesh of the results folder
(cell counts per phase, nodes on each box face) and the geometry of periodicity (each pair's
nodes differ by exactly the box length along its axis).
"""

import csv

import meshio
import numpy as np
import pytest
from mpi4py import MPI

from solvers.app.case import parse_case
from solvers.app.cli import main
from solvers.app.export import read_mesh
from solvers.app.run import run_case

BOX = (4.0, 5.0, 6.0)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    case = parse_case({
        "geometry": {"kind": "inclusions", "volume_fraction": 0.1, "box": list(BOX), "center": [0.5, 4.5, 3.0]},
        "materials": {"matrix": "PVA", "inclusion": "hydroxyapatite"},
        "mesh": {"size": 0.8},
        "output": {"local_fields": False},
    }, name="export")
    out = tmp_path_factory.mktemp("export") / "run"
    run_case(case, out, comm=MPI.COMM_SELF)
    return out


@pytest.fixture(scope="module")
def reference(results):
    return read_mesh(results)[0]


def _pairs(path, first):
    with open(path) as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    return {axis: np.array([[int(r["max_node"]) - first, int(r["min_node"]) - first] for r in rows if r["axis"] == axis])
            for axis in "xyz"}


def _check_pairs(points, pairs, reference):
    for axis, table in pairs.items():
        k = "xyz".index(axis)
        on_max = np.count_nonzero(np.abs(reference.points[:, k] - BOX[k]) < 1e-9)
        assert table.shape[0] == on_max > 0
        difference = points[table[:, 0]] - points[table[:, 1]]
        expected = np.zeros(3)
        expected[k] = BOX[k]
        assert np.abs(difference - expected).max() < 1e-9


def test_abaqus_export_reads_back_with_phase_and_face_sets(results, reference, tmp_path):
    assert main(["export", str(results), "--to", "abaqus", "--out", str(tmp_path)]) == 0
    mesh = meshio.read(tmp_path / "mesh.inp")
    assert mesh.cells[0].type == "tetra" and len(mesh.cells[0].data) == len(reference.cells)
    for phase, tag in reference.phases.items():
        assert len(mesh.cell_sets[f"PHASE_{phase.upper()}"][0]) == np.count_nonzero(reference.phase == tag)
    for face in ("xmin", "xmax", "ymin", "ymax", "zmin", "zmax"):
        nodes = np.asarray(mesh.point_sets[face.upper()])
        axis, value = "xyz".index(face[0]), 0.0 if face.endswith("min") else BOX["xyz".index(face[0])]
        assert np.abs(mesh.points[nodes, axis] - value).max() < 1e-9
        assert nodes.size == reference.node_sets[face].size
    _check_pairs(mesh.points, _pairs(tmp_path / "periodic_pairs.csv", 1), reference)


def test_med_export_reads_back_with_phase_and_face_families(results, reference, tmp_path):
    assert main(["export", str(results), "--to", "med", "--out", str(tmp_path)]) == 0
    mesh = meshio.read(tmp_path / "mesh.med")
    families = mesh.cell_data["cell_tags"][0]
    for phase, tag in reference.phases.items():
        codes = [code for code, names in mesh.cell_tags.items() if phase in names]
        assert np.count_nonzero(np.isin(families, codes)) == np.count_nonzero(reference.phase == tag)
    membership = mesh.point_data["point_tags"]
    for face, nodes in reference.node_sets.items():
        codes = [code for code, names in mesh.point_tags.items() if face in names]
        assert np.count_nonzero(np.isin(membership, codes)) == nodes.size
    _check_pairs(mesh.points, _pairs(tmp_path / "periodic_pairs.csv", 1), reference)


def test_xdmf_export_reads_back_with_phase_data_and_periodic_images(results, reference, tmp_path):
    assert main(["export", str(results), "--to", "xdmf", "--out", str(tmp_path)]) == 0
    mesh = meshio.read(tmp_path / "mesh.xdmf")
    assert np.array_equal(np.asarray(mesh.cell_data["phase"][0]), reference.phase)
    for face, nodes in reference.node_sets.items():
        assert np.array_equal(np.flatnonzero(mesh.point_data[f"on_{face}"]), nodes)
    pairs = _pairs(tmp_path / "periodic_pairs.csv", 0)
    _check_pairs(mesh.points, pairs, reference)
    for axis, table in pairs.items():
        image = np.asarray(mesh.point_data[f"periodic_image_{axis}"])
        assert np.array_equal(image[table[:, 0]], table[:, 1])
        assert np.count_nonzero(image >= 0) == table.shape[0]


def test_an_unknown_format_is_refused(results, capsys):
    assert main(["export", str(results), "--to", "stl"]) == 2
    assert "export format 'stl' is not known; allowed: abaqus, med, xdmf" in capsys.readouterr().err


def test_a_case_refined_after_meshing_is_refused_by_name(results, tmp_path):
    """Its .msh is the coarse gmsh mesh, not the mesh the fields live on."""
    import json
    import shutil

    refined = tmp_path / "refined"
    shutil.copytree(results, refined)
    summary = json.loads((refined / "summary.json").read_text())
    summary["case"]["inputs"]["mesh"]["uniform_refinements"] = 1
    (refined / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(ValueError, match=r"mesh.uniform_refinements=1.*coarse gmsh mesh"):
        read_mesh(refined)
