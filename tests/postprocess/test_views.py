"""Headless rendering: size, content, distinct phase colours, cut-away, thin layers, fields, tiling."""

import numpy as np
import pytest

from postprocess.results import load_results
from postprocess.views import (
    add_phases,
    offscreen_plotter,
    phase_colours,
    phase_thickness,
    plot_field,
    plot_phases,
    save_phase_picture,
    tile,
)


def _pixels_like(image, colour_hex):
    """Pixels whose hue is that of ``colour_hex`` (shading changes brightness, not the order of the channels)."""
    rgb = np.array([int(colour_hex[i : i + 2], 16) for i in (1, 3, 5)])
    pixels = image[:, :, :3].astype(int)
    same_order = np.all(np.argsort(pixels, axis=2) == np.argsort(rgb), axis=2)
    saturated = pixels.max(axis=2) - pixels.min(axis=2) > 60
    return int((same_order & saturated).sum())


def _image(plotter):
    image = plotter.screenshot(return_img=True)
    plotter.close()
    return image


def _colours_by_name(results):
    colours = phase_colours(results)
    return {name: colours[tag] for tag, name in results.phase_names.items()}


def test_results_folder_loads_without_ghost_cells(sphere_results):
    results = load_results(sphere_results)
    assert results.grid.n_cells == results.summary["mesh"]["cells"]
    assert set(results.phase_names.values()) == {"matrix", "inclusion"}


def test_picture_has_the_requested_size_and_is_not_blank(sphere_results):
    path = save_phase_picture(sphere_results, "small.png", window_size=(320, 240))
    import pyvista as pv

    image = pv.read(path)
    assert image.dimensions[:2] == (320, 240)
    assert np.asarray(image.point_data[image.array_names[0]]).std() > 10


def test_cut_away_view_shows_the_inner_phase_and_the_closed_view_hides_it(sphere_results):
    results = load_results(sphere_results)
    colours = _colours_by_name(results)
    cut = _image(plot_phases(results, mode="cut", window_size=(400, 300), legend=False))
    closed = _image(plot_phases(results, mode="full", window_size=(400, 300), legend=False))
    assert _pixels_like(cut, colours["matrix"]) > 10000
    assert _pixels_like(cut, colours["inclusion"]) > 3000
    assert _pixels_like(closed, colours["inclusion"]) < 50  # only the orientation glyph's x arrow is orange


def test_every_phase_shows_in_its_own_colour(coated_wire_results):
    results = load_results(coated_wire_results)
    image = _image(plot_phases(results, window_size=(500, 500), legend=False))
    counts = {name: _pixels_like(image, colour) for name, colour in _colours_by_name(results).items()}
    assert all(count > 500 for count in counts.values()), counts


def test_a_2nm_coating_on_a_40nm_wire_is_visible(coated_wire_results):
    results = load_results(coated_wire_results)
    colours = _colours_by_name(results)
    assert phase_thickness(results.grid.extract_cells(np.flatnonzero(results.phase_of_cells() == results.summary["geometry"]["phases"]["coating"])), 2) == pytest.approx(2.0, rel=0.05)

    def coating_share(**kwargs):
        plotter = offscreen_plotter((400, 400))
        add_phases(plotter, results, legend=False, **kwargs)
        image = _image(plotter)
        shown = {name: _pixels_like(image, colour) for name, colour in colours.items()}
        return shown["coating"] / sum(shown.values())

    expected = results.summary["volume_fractions"]["coating"]  # share of the cell's area
    aware = coating_share()
    assert aware > expected  # at least its true share: no edge lines on it, and an outline
    assert aware > coating_share(show_edges=True)  # drawing its mesh edges would darken it


def test_field_view_on_the_deformed_shape_renders_the_colour_map(sphere_results):
    results = load_results(sphere_results)
    for quantity in ("von_mises", "stress:12", "strain:11"):
        image = _image(plot_field(results, "12" if quantity == "stress:12" else "11", quantity, window_size=(400, 300)))
        assert image.shape[:2] == (300, 400)
        assert len(np.unique(image.reshape(-1, 3)[:, 0])) > 30  # a colour map, not flat colours
    with pytest.raises(ValueError, match="quantity 'energy' is not known"):
        plot_field(results, "11", "energy")
    with pytest.raises(ValueError, match="load case '44' is not in this result"):
        plot_field(results, "44")


def test_stiff_phase_carries_more_stress(sphere_results):
    averages = load_results(sphere_results).summary["local_fields"]["phase_averages"]["11"]
    assert averages["inclusion"]["von_mises_mean"] > averages["matrix"]["von_mises_mean"]


def test_tiling_copies_the_cell_periodically(sphere_results):
    results = load_results(sphere_results)
    tiled = tile(results.grid, results.box, (2, 3, 1))
    assert tiled.n_cells == 6 * results.grid.n_cells
    assert np.allclose(tiled.bounds, (0, 20, 0, 30, 0, 10))


@pytest.mark.parametrize("mode", ["full", "cut", "exploded", "slice", "translucent"])
def test_every_view_mode_shows_a_thin_interlayer(interlayer_results, mode):
    results = load_results(interlayer_results)
    image = _image(plot_phases(results, mode=mode, window_size=(400, 300), legend=False))
    assert _pixels_like(image, _colours_by_name(results)["interlayer"]) > 200


@pytest.mark.parametrize("mode", ["exploded", "slice", "translucent"])
def test_other_view_modes_render(sphere_results, mode):
    image = _image(plot_phases(sphere_results, mode=mode, tiles=(2, 2, 2) if mode == "translucent" else None,
                               window_size=(320, 240)))
    assert image.std() > 10
    with pytest.raises(ValueError, match="view mode 'inside' is not known"):
        plot_phases(sphere_results, mode="inside")


REFERENCE = __import__("pathlib").Path(__file__).with_name("reference") / "coated_wire_phases.png"


def test_phase_view_matches_the_stored_reference_image(coated_wire_results):
    # Stable here: the 2D mesh is deterministic and the rendering is flat colours, so two renders
    # are identical pixel for pixel. The tolerance allows 1 % of the pixels to change (fonts, GPU).
    import pyvista as pv

    reference = pv.read(REFERENCE)
    expected = np.asarray(reference.point_data[reference.array_names[0]])[:, :3].reshape(300, 300, 3)[::-1]
    image = _image(plot_phases(coated_wire_results, window_size=(300, 300), legend=False))[:, :, :3]
    differs = np.abs(image.astype(int) - expected.astype(int)).max(axis=2) > 40
    assert differs.mean() < 0.01
