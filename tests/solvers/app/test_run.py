"""Running cases: results reused only for the same inputs computed by the same code, and
analyses that plug in by registration alone (no change to case parsing, run or local fields)."""

from dataclasses import dataclass

import numpy as np
import pytest
from mpi4py import MPI

import solvers.app.run as run_module
from solvers.analyses import ANALYSES, Analysis, register
from solvers.app.case import parse_case
from solvers.app.output import read_summary
from solvers.app.provenance import code_version, source_digest
from solvers.app.run import is_up_to_date, run_case
from solvers.fe.body import owned_cell_volumes, owned_phase_tags

CASE = {
    "title": "2D laminate",
    "geometry": {"kind": "laminate", "thicknesses": [1.0, 1.0], "phases": ["a", "b"], "width": [2.0]},
    "materials": {"a": {"E": 10.0, "nu": 0.3, "density": 1.0}, "b": {"E": 1.0, "nu": 0.3, "density": 1.0}},
    "mesh": {"size": 0.3},
}


def test_results_are_reused_only_for_the_same_inputs_computed_by_the_same_code(tmp_path, monkeypatch):
    case = parse_case(CASE, name="laminate")
    out = tmp_path / "run"
    first = run_case(case, out, comm=MPI.COMM_SELF)
    assert first["code"] == code_version() and is_up_to_date(case, out)
    stamp = (out / "summary.json").stat().st_mtime_ns
    run_case(case, out, comm=MPI.COMM_SELF)
    assert (out / "summary.json").stat().st_mtime_ns == stamp  # reused

    # After a bug fix the source hash differs: the stored result is stale and is recomputed.
    fixed = {**code_version(), "source_sha256": "0" * 64}
    monkeypatch.setattr(run_module, "code_version", lambda: fixed)
    assert not is_up_to_date(case, out)
    run_case(case, out, comm=MPI.COMM_SELF)
    assert read_summary(out)["code"] == fixed


def test_the_source_digest_follows_every_byte_and_file_name(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text("x = 1\n")
    before = source_digest(tmp_path, ("pkg",))
    assert source_digest(tmp_path, ("pkg",)) == before
    (package / "a.py").write_text("x = 2\n")
    changed = source_digest.__wrapped__(tmp_path, ("pkg",))
    (package / "a.py").write_text("x = 1\n")
    (package / "b.py").write_text("")
    added = source_digest.__wrapped__(tmp_path, ("pkg",))
    assert len({before, changed, added}) == 3


@dataclass(frozen=True)
class _Measured:
    """A toy analysis result: the volume of every phase (nm^2), from the mesh."""

    volumes: dict
    point_fields: tuple = ()

    @property
    def cell_fields(self):
        return {}

    def summary(self):
        return {"phase_volume": self.volumes}

    def headline(self):
        return f"volumes {self.volumes}"


def _measure(inputs):
    body = inputs.body
    tags, volumes = owned_phase_tags(body), owned_cell_volumes(body.mesh)
    return _Measured({p: body.comm.allreduce(float(volumes[tags == t].sum())) for p, t in body.phases.items()})


def _parse(table):
    if table:
        raise ValueError(f"[analysis] has unknown keys {sorted(table)}")
    return None


@pytest.fixture
def toy_analysis():
    analysis = register(Analysis("phase_volume", "volume of every phase", ("rve",), _parse, _measure))
    yield analysis
    del ANALYSES["phase_volume"]


def test_a_registered_analysis_runs_from_a_case_file_without_changes_elsewhere(toy_analysis, tmp_path):
    case = parse_case({**CASE, "analysis": {"type": "phase_volume"}}, name="toy")
    assert case.analysis is toy_analysis
    summary = run_case(case, tmp_path / "toy", comm=MPI.COMM_SELF)
    assert summary["analysis"] == {"type": "phase_volume"}
    assert summary["phase_volume"] == pytest.approx({"a": 2.0, "b": 2.0}, rel=1e-12)  # two 1 x 2 nm layers
    with pytest.raises(ValueError, match=r"unknown keys \['bc'\]"):
        parse_case({**CASE, "analysis": {"type": "phase_volume", "bc": "kubc"}})
    assert np.isfinite(summary["timings"]["total"])


def test_an_analysis_refuses_a_body_it_cannot_run_on():
    case = {**CASE, "geometry": {"kind": "single_edge_notched_tension", "width": 8.0, "height": 8.0, "crack_length": 2.0,
                                 "microstructure": CASE["geometry"]}}
    with pytest.raises(ValueError, match="type='stiffness' runs on rve geometries; .* builds a specimen"):
        parse_case(case)
