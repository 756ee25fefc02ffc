"""Headless rendering of a results folder: size, content, phase colours, cut-away."""

import numpy as np
import pytest
from mpi4py import MPI

from postprocess.results import load_results
from postprocess.views import phase_colours, plot_phases, save_phase_picture
from solvers.case import parse_case
from solvers.run import run_case

CASE = {
    "title": "view test",
    "geometry": {"kind": "inclusions", "volume_fraction": 0.2, "box": [10.0, 10.0, 10.0]},
    "materials": {"matrix": "Zr_metallic_glass", "inclusion": "magnesium"},
    "mesh": {"size": 1.5, "degree": 1},
}


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("views") / "sphere"
    run_case(parse_case(CASE, name="sphere"), out, comm=MPI.COMM_SELF)
    return out


def _pixels_like(image, colour_hex):
    """Pixels whose hue is that of ``colour_hex`` (shading changes brightness, not the dominant channel order)."""
    rgb = np.array([int(colour_hex[i : i + 2], 16) for i in (1, 3, 5)])
    pixels = image[:, :, :3].astype(int)
    same_order = np.all(np.argsort(pixels, axis=2) == np.argsort(rgb), axis=2)
    saturated = pixels.max(axis=2) - pixels.min(axis=2) > 60
    return int((same_order & saturated).sum())


def _render(results, cut):
    plotter = plot_phases(results, cut=cut, window_size=(400, 300))
    plotter.enable_lightkit = False
    image = plotter.screenshot(return_img=True)
    plotter.close()
    return image


def test_results_folder_loads_without_ghost_cells(results_dir):
    results = load_results(results_dir)
    assert results.grid.n_cells == results.summary["mesh"]["cells"]
    assert set(results.phase_names.values()) == {"matrix", "inclusion"}


def test_picture_has_the_requested_size_and_is_not_blank(results_dir):
    path = save_phase_picture(results_dir, "small.png", window_size=(320, 240))
    import pyvista as pv

    image = pv.read(path)
    assert image.dimensions[:2] == (320, 240)
    pixels = np.asarray(image.point_data[image.array_names[0]])
    assert pixels.std() > 10


def test_cut_away_view_shows_the_inner_phase_and_the_closed_view_hides_it(results_dir):
    results = load_results(results_dir)
    colours = phase_colours(results)
    matrix_colour, inclusion_colour = colours[results.summary["geometry"]["phases"]["matrix"]], colours[results.summary["geometry"]["phases"]["inclusion"]]
    cut, closed = _render(results, cut=True), _render(results, cut=False)
    inside_shown = _pixels_like(cut, inclusion_colour) - _pixels_like(closed, inclusion_colour)  # minus the legend
    assert _pixels_like(cut, matrix_colour) > 10000
    assert inside_shown > 3000
    assert _pixels_like(closed, inclusion_colour) < 0.1 * inside_shown
