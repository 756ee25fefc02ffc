"""Parameter studies: dotted keys reach the case, identities and resume, failure isolation,
shards that merge, and a table whose numbers are the closed form of a laminate.

Units: nm, GPa, g/cm^3.
"""

import json

import numpy as np
import pandas as pd
import pytest
from mpi4py import MPI

import solvers.studies.study as study_module
from solvers.micromechanics.bounds import laminate_isotropic
from solvers.studies import Study, explicit, grid, load_study
from solvers.studies.points import point_case_data, set_dotted

BASE = {
    "title": "2D laminate",
    "geometry": {"kind": "laminate", "thicknesses": [1.0, 1.0], "phases": ["a", "b"], "width": [2.0]},
    "materials": {"a": {"E": 10.0, "nu": 0.3, "density": 2.0}, "b": {"E": 1.0, "nu": 0.3, "density": 1.0}},
    "mesh": {"size": 0.3},
    "solver": {"rtol": 1e-10},
}
DESIGN = grid({"mesh.size": [0.3, 0.2], "materials.a.E": [5.0, 20.0]})      # the material varies fastest


def _study(tmp_path, design=DESIGN, **kw):
    return Study(base=BASE, design=design, name="laminate", directory=tmp_path / "study",
                 derived={"specific_E1": "E1 / density"}, **kw)


def _closed_form(E_a: float) -> np.ndarray:
    """Plane-strain C (11, 22, 12) of the two-layer laminate (layers normal to x2): the 3D closed
    form (normal x3) on the axes 1, 3 (REFERENCES.md)."""
    C = laminate_isotropic([E_a, 1.0], [0.3, 0.3], [0.5, 0.5])
    return C[np.ix_([0, 2, 4], [0, 2, 4])]


def test_every_row_is_the_closed_form_of_its_parameters_and_the_mesh_key_reaches_the_mesh(tmp_path):
    table = _study(tmp_path).run(MPI.COMM_SELF)
    assert list(table.columns[:2]) == ["mesh.size", "materials.a.E"] and len(table) == 4
    assert (table["status"] == "ok").all()
    for _, row in table.iterrows():
        exact = _closed_form(row["materials.a.E"])
        C = np.array([[row["C11"], row["C12"], row["C16"]], [row["C12"], row["C22"], row["C26"]],
                      [row["C16"], row["C26"], row["C66"]]])
        assert np.abs(C - exact).max() <= 1e-6 * np.abs(exact).max()
    fine, coarse = table[table["mesh.size"] == 0.2], table[table["mesh.size"] == 0.3]
    assert (fine["dofs"].to_numpy() > coarse["dofs"].to_numpy()).all()
    # the second point of each mesh reused the first one's body (and still gave its closed form)
    meshing = [json.loads((tmp_path / "study" / "runs" / p / "summary.json").read_text())["timings"]["mesh"]
               for p in table["point_id"]]
    assert meshing[0] > 0 and meshing[1] == 0 and meshing[2] > 0 and meshing[3] == 0
    assert (tmp_path / "study" / "runs" / table["point_id"][1] / "rve.msh").exists()
    assert table["specific_E1"].to_numpy() == pytest.approx((table["E1"] / table["density"]).to_numpy())
    assert table["density"].to_numpy() == pytest.approx(1.5)
    saved = pd.read_parquet(tmp_path / "study" / "table.parquet")
    pd.testing.assert_frame_equal(saved, table)
    assert pd.read_csv(tmp_path / "study" / "table.csv")["point_id"].tolist() == table["point_id"].tolist()


def test_a_killed_study_resumes_without_recomputing_and_ends_with_the_uninterrupted_table(tmp_path, monkeypatch):
    reference = _study(tmp_path / "uninterrupted").run(MPI.COMM_SELF)
    run_point = study_module._run_point
    calls = []

    def killed_after_two(point, *args):
        if len(calls) == 2:
            raise KeyboardInterrupt  # the job is killed while the third point runs
        calls.append(point.id)
        return run_point(point, *args)

    monkeypatch.setattr(study_module, "_run_point", killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        _study(tmp_path).run(MPI.COMM_SELF)
    assert len(list((tmp_path / "study" / "points").glob("*.json"))) == 2
    rerun = []
    monkeypatch.setattr(study_module, "_run_point", lambda point, *args: rerun.append(point.id) or run_point(point, *args))
    table = _study(tmp_path).run(MPI.COMM_SELF)
    assert len(rerun) == 2 and not set(rerun) & set(calls)
    columns = [c for c in reference.columns if c != "wall_seconds"]
    pd.testing.assert_frame_equal(table[columns], reference[columns])


def test_a_changed_base_case_changes_every_identity(tmp_path):
    study = _study(tmp_path)
    changed = Study(base={**BASE, "title": "another laminate"}, design=DESIGN, name="laminate", directory=tmp_path)
    ids, other = [p.id for p in study.points()], [p.id for p in changed.points()]
    assert len(set(ids)) == 4 and not set(ids) & set(other)
    assert [p.id for p in _study(tmp_path).points()] == ids          # and is stable otherwise


def test_a_failing_point_is_recorded_with_its_error_and_the_study_goes_on(tmp_path):
    design = explicit([{"materials.b.nu": 0.3}, {"materials.b.nu": 0.6}, {"materials.b.nu": 0.2}])
    table = _study(tmp_path, design=design).run(MPI.COMM_SELF)
    assert table["status"].tolist() == ["ok", "failed", "ok"]
    assert "nu=0.6 is outside the allowed range" in table["error"][1]
    assert np.isnan(table["C11"][1]) and table["C11"][0] > 0


def test_shards_write_one_folder_whose_table_is_the_whole_study(tmp_path):
    whole = _study(tmp_path / "whole").run(MPI.COMM_SELF)
    first = _study(tmp_path).run(MPI.COMM_SELF, shard=(0, 2))
    assert first["status"].tolist() == ["ok", "pending", "ok", "pending"]
    merged = _study(tmp_path).run(MPI.COMM_SELF, shard=(1, 2))
    columns = [c for c in whole.columns if c != "wall_seconds"]
    pd.testing.assert_frame_equal(merged[columns], whole[columns])


def test_keys_that_do_not_address_the_case_are_refused_before_any_solve(tmp_path):
    with pytest.raises(ValueError, match=r"no \[geometri\] section"):
        Study(base=BASE, design=grid({"geometri.width": [1.0]}), directory=tmp_path).points()
    data = {**BASE, "materials": {**BASE["materials"], "b": "nacre_protein"}}
    with pytest.raises(ValueError, match="'materials.b' is 'nacre_protein', not a table"):
        point_case_data(data, {"materials.b.E": 2.0})
    with pytest.raises(ValueError, match="ranks_per_case=3 must be a positive divisor"):
        _study(tmp_path).run(MPI.COMM_SELF, ranks_per_case=3)
    target = {"mesh": {}}
    set_dotted(target, "mesh.phase_size.a", 0.1)
    assert target == {"mesh": {"phase_size": {"a": 0.1}}}


def test_a_tied_key_follows_its_parameter_into_the_case_and_the_closed_form(tmp_path):
    # the soft layer's modulus tied to a tenth of the stiff one's: each row is the laminate of
    # (E_a, E_a / 10), which differs from the untied base (E_b = 1) at every point but E_a = 10
    design = grid({"materials.a.E": [5.0, 20.0]})
    study = _study(tmp_path, design=design, tied={"materials.b.E": "materials.a.E / 10"})
    assert [p.case_data["materials"]["b"]["E"] for p in study.points()] == [0.5, 2.0]
    assert not {p.id for p in study.points()} & {p.id for p in _study(tmp_path, design=design).points()}
    table = study.run(MPI.COMM_SELF)
    assert list(table.columns[:1]) == ["materials.a.E"] and "materials.b.E" not in table.columns
    for _, row in table.iterrows():
        C = laminate_isotropic([row["materials.a.E"], row["materials.a.E"] / 10], [0.3, 0.3], [0.5, 0.5])
        exact = C[np.ix_([0, 2, 4], [0, 2, 4])]
        assert row["C22"] == pytest.approx(exact[1, 1], rel=1e-6) and row["C11"] == pytest.approx(exact[0, 0], rel=1e-6)
    assert table["volume_fraction_a"].to_numpy() == pytest.approx(0.5, abs=1e-12)
    calls = Study(base=BASE, design=design, directory=tmp_path / "f", tied={"materials.b.E": lambda p: p["materials.a.E"] / 10})
    assert [p.id for p in calls.points()] == [p.id for p in study.points()]   # a function and its expression agree


def test_ties_that_cannot_hold_are_refused_before_any_solve(tmp_path):
    design = grid({"materials.a.E": [5.0]})
    with pytest.raises(ValueError, match="names 'materials.c.E', which the design does not vary"):
        _study(tmp_path, design=design, tied={"materials.b.E": "materials.c.E / 10"}).points()
    with pytest.raises(ValueError, match=r"tied keys \['materials.a.E'\] are also varied"):
        _study(tmp_path, design=design, tied={"materials.a.E": "2"})
    with pytest.raises(ValueError, match="cannot be evaluated"):
        _study(tmp_path, design=design, tied={"materials.b.E": "materials.a.E / 0"}).points()
    with pytest.raises(ValueError, match="must be a dotted case key"):
        _study(tmp_path, design=design, tied={"E": "materials.a.E"})


def test_a_study_file_runs_from_the_command_line(tmp_path):
    from solvers.app.cli import main

    case = tmp_path / "laminate.toml"
    case.write_text('[geometry]\nkind = "laminate"\nthicknesses = [1.0, 1.0]\nphases = ["a", "b"]\nwidth = [2.0]\n'
                    '[materials]\na = { E = 10.0, nu = 0.3, density = 2.0 }\nb = { E = 1.0, nu = 0.3, density = 1.0 }\n'
                    '[mesh]\nsize = 0.3\n')
    (tmp_path / "grid.toml").write_text('name = "cli_grid"\nbase = "laminate.toml"\n[design]\nkind = "grid"\n'
                                        '[design.parameters]\n"materials.a.E" = [5.0, 20.0]\n'
                                        '[derived]\nratio = "C11 / C22"\n'
                                        '[tied]\n"materials.b.E" = "materials.a.E / 10"\n')
    assert main(["study", str(tmp_path / "grid.toml"), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    table = pd.read_csv(tmp_path / "out" / "table.csv")
    assert table["status"].tolist() == ["ok", "ok"] and (table["ratio"] > 1).all()
    assert load_study(tmp_path / "grid.toml").folder.name == "cli_grid"
    assert load_study(tmp_path / "grid.toml").tied == {"materials.b.E": "materials.a.E / 10"}
    assert main(["study", str(tmp_path / "grid.toml"), "--shard", "2/2"]) == 2


def test_the_study_page_draws_every_property_inside_its_bounds(tmp_path):
    from postprocess.report import write_study_report
    from postprocess.study_plots import _bounds, load_study_results

    study = Study(base=BASE, design=grid({"materials.a.E": [5.0, 20.0, 40.0], "materials.b.E": [0.5, 1.0]}),
                  name="laminate_map", directory=tmp_path / "map")
    study.run(MPI.COMM_SELF)
    page = write_study_report(tmp_path / "map").read_text()
    figures = {p.name for p in (tmp_path / "map" / "figures").glob("*.png")}
    assert {"against_materials_a_E.png", "against_materials_b_E.png", "map_E1.png", "ashby.png"} <= figures
    assert "6 points: 6 ok" in page and page.count("<img") == len(figures)
    results = load_study_results(tmp_path / "map")
    for modulus in ("E1", "E2", "G12"):
        bands = _bounds(results, results.ok, modulus)
        value = results.ok[modulus].to_numpy()
        assert np.all(bands["reuss"] <= value * (1 + 1e-9)) and np.all(value <= bands["voigt"] * (1 + 1e-9))


def test_a_strength_study_places_its_designs_on_the_strength_chart(tmp_path):
    from postprocess.study_plots import render_study_figures

    base = {**BASE, "materials": {"a": {"E": 10.0, "nu": 0.3, "density": 2.0,
                                        "plasticity": {"model": "von_mises", "yield_stress": 0.05}},
                                  "b": {"E": 1.0, "nu": 0.3, "density": 1.0}},
            "analysis": {"type": "strength", "control": "uniaxial", "direction": [1.0, 0.0], "strain": [0.0, 0.02],
                         "steps": 4, "work_to": 0.02}}
    study = Study(base=base, design=grid({"materials.a.plasticity.yield_stress": [0.05, 0.1]}), name="laminate_strength",
                  directory=tmp_path / "strength")
    table = study.run(MPI.COMM_SELF)
    assert (table["status"] == "ok").all(), table["error"].tolist()
    weak, strong = table["peak_strength_GPa"]
    assert 0 < weak < strong           # the yielding layer carries more when it yields later
    figures = render_study_figures(tmp_path / "strength")
    assert "ashby_strength" in figures and "ashby_toughness" not in figures


def test_a_point_listed_twice_runs_once_and_fills_both_rows(tmp_path, monkeypatch):
    run_point = study_module._run_point
    calls = []
    monkeypatch.setattr(study_module, "_run_point", lambda point, *args: calls.append(point.id) or run_point(point, *args))
    design = explicit([{"materials.a.E": 5.0}, {"materials.a.E": 5.0}])
    table = _study(tmp_path, design=design).run(MPI.COMM_SELF)
    assert len(calls) == 1 and table["status"].tolist() == ["ok", "ok"] and table["point_id"].nunique() == 1
    with pytest.raises(ValueError, match=r"derived quantities \['status'\]"):
        Study(base=BASE, design=design, derived={"status": "E1"})
