"""Designs of a study: grids, explicit lists and space-filling samples (scipy.stats.qmc)."""

import numpy as np
import pytest

from solvers.studies.designs import Range, design_from_table, explicit, grid, latin_hypercube, sobol


def test_a_grid_is_the_full_factorial_with_the_last_key_fastest():
    design = grid({"geometry.overlap_ratio": [0.2, 0.5], "mesh.size": [1.0, 2.0, 3.0]})
    assert len(design) == 6 and design.keys == ("geometry.overlap_ratio", "mesh.size")
    assert design.points[0] == {"geometry.overlap_ratio": 0.2, "mesh.size": 1.0}
    assert design.points[1] == {"geometry.overlap_ratio": 0.2, "mesh.size": 2.0}
    assert {tuple(p.values()) for p in design.points} == {(a, b) for a in (0.2, 0.5) for b in (1.0, 2.0, 3.0)}


def test_a_latin_hypercube_puts_one_sample_in_every_stratum_of_every_range_and_is_seeded():
    ranges = {"geometry.overlap_ratio": (0.1, 0.5), "materials.interlayer.E": Range(1.0, 100.0, log=True)}
    design = latin_hypercube(ranges, 8, seed=3)
    x = np.array([[p[k] for k in ranges] for p in design.points])
    strata = np.floor((x[:, 0] - 0.1) / 0.4 * 8).astype(int)
    log_strata = np.floor(np.log(x[:, 1]) / np.log(100.0) * 8).astype(int)
    assert sorted(strata) == list(range(8)) and sorted(log_strata) == list(range(8))
    assert latin_hypercube(ranges, 8, seed=3) == design and latin_hypercube(ranges, 8, seed=4) != design


def test_a_sobol_design_is_balanced_over_dyadic_boxes_and_needs_a_power_of_two():
    design = sobol({"a.x": (0.0, 1.0), "a.y": (0.0, 1.0)}, 16, seed=1)
    x = np.array([[p["a.x"], p["a.y"]] for p in design.points])
    # a (0, m, 2)-net in base 2: every 1/4 x 1/4 box holds exactly one of 16 points
    boxes = {(int(4 * a), int(4 * b)) for a, b in x}
    assert len(boxes) == 16 and np.all((x >= 0) & (x < 1))
    with pytest.raises(ValueError, match="samples=12 for a Sobol design must be a power of 2"):
        sobol({"a.x": (0.0, 1.0)}, 12)


def test_study_file_designs_and_bad_designs():
    table = {"kind": "latin_hypercube", "samples": 4, "seed": 2,
             "parameters": {"geometry.overlap_ratio": {"low": 0.2, "high": 0.4}}}
    assert design_from_table(table) == latin_hypercube({"geometry.overlap_ratio": (0.2, 0.4)}, 4, seed=2)
    assert design_from_table({"kind": "points", "points": [{"mesh.size": 1.0}]}) == explicit([{"mesh.size": 1.0}])
    for bad, message in [({"kind": "random"}, "kind='random' is not known"),
                         ({"kind": "grid", "parameters": {"size": [1.0]}}, "must be a dotted case key"),
                         ({"kind": "grid", "parameters": {"mesh.size": []}}, "needs a non-empty list"),
                         ({"kind": "grid", "samples": 3, "parameters": {"mesh.size": [1.0]}}, "do not apply to kind='grid'"),
                         ({"kind": "sobol", "samples": 4, "parameters": {"mesh.size": {"low": 2.0, "high": 1.0}}},
                          "needs finite low < high")]:
        with pytest.raises(ValueError, match=message):
            design_from_table(bad)
