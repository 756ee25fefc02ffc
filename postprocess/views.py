"""PyVista views of an RVE: phases in named colours, cut / slice / exploded / tiled, and local
fields on the deformed shape.

Two levels, as in PyVista: ``add_*`` functions draw into a given ``Plotter``; ``plot_*``
functions make an off-screen plotter (or an interactive one), draw, and return it (call
``.screenshot(path)`` or ``.show()``). Units: nm, GPa.

Thin phases (coatings, interlayers, films) stay visible: mesh edges are drawn only in phases
whose cells are large on screen (a finely meshed 2 nm coating would otherwise be all edge
lines), and a phase thinner than 5 % of the shown extent is outlined on top in its colour.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from postprocess.results import Results, load_results

__all__ = [
    "PHASE_COLOURS",
    "VIEW_MODES",
    "phase_colours",
    "phase_thickness",
    "tile",
    "auto_tiles",
    "add_phases",
    "add_field",
    "offscreen_plotter",
    "camera",
    "titled",
    "plot_phases",
    "plot_field",
    "save_phase_picture",
]

#: Distinct, colour-blind-friendly colours (Okabe-Ito), assigned to phases in tag order.
PHASE_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")

#: How the phases are opened up: whole box, cut-away octant, three orthogonal slices, exploded,
#: or a see-through matrix (first phase) around opaque inner phases.
VIEW_MODES = ("full", "cut", "slice", "exploded", "translucent")

#: A phase thinner than this fraction of the shown extent is outlined on top in its colour.
THIN_FRACTION = 0.05
#: Mesh edges are drawn in a phase only where its cells span at least this many pixels.
MIN_EDGE_PIXELS = 6.0


def phase_colours(results: Results) -> dict[int, str]:
    """Phase tag -> colour (hex)."""
    return {tag: PHASE_COLOURS[i % len(PHASE_COLOURS)] for i, tag in enumerate(sorted(results.phase_names))}


def phase_thickness(part: Any, dim: int) -> float:
    """Characteristic thickness (nm) of a phase: 2 volume / boundary area (2 area / perimeter in 2D).

    Exact for a layer spanning the box (its two faces are its boundary, up to the box faces).
    """
    sizes = part.compute_cell_sizes(length=False, area=dim == 2, volume=dim == 3)
    measure = float(np.sum(sizes.cell_data["Volume" if dim == 3 else "Area"]))
    boundary = part.extract_surface(algorithm=None) if dim == 3 else part.extract_feature_edges(
        boundary_edges=True, feature_edges=False, manifold_edges=False, non_manifold_edges=False)
    extent = boundary.compute_cell_sizes(length=dim == 2, area=dim == 3, volume=False)
    total = float(np.sum(extent.cell_data["Area" if dim == 3 else "Length"]))
    return 2 * measure / total if total > 0 else 0.0


def tile(grid: Any, box: tuple[float, ...], reps: tuple[int, ...]) -> Any:
    """The periodic material an RVE stands for: ``reps`` copies of ``grid`` along each axis."""
    import pyvista as pv

    shifts = np.stack(np.meshgrid(*[np.arange(n) for n in reps], indexing="ij"), -1).reshape(-1, len(reps))
    copies = []
    for shift in shifts:
        offset = np.zeros(3)
        offset[: len(box)] = shift * np.asarray(box)
        copies.append(grid.translate(offset, inplace=False))
    return pv.merge(copies, merge_points=False)


def _opened(part: Any, results: Results, mode: str, tag: int, order: int, box: tuple[float, ...]) -> Any:
    """One phase's piece of the chosen view mode (``box``: the extent shown, nm)."""
    is_matrix = tag == min(results.phase_names) and len(results.phase_names) > 1
    if mode in ("cut", "exploded") and results.dim == 3 and is_matrix:
        bounds = [v for length in box for v in (length / 2, 1.01 * length)]
        part = part.clip_box(bounds, invert=True, crinkle=False)
    if mode == "slice" and results.dim == 3:
        return part.slice_orthogonal(x=box[0] / 2, y=box[1] / 2, z=box[2] / 2).combine()
    if mode == "exploded":
        offset = np.zeros(3)
        offset[results.dim - 1] = 0.6 * order * box[-1]
        return part.translate(offset, inplace=False)
    return part


def _cell_pixels(part: Any, dim: int, extent: float, window_size: tuple[int, int]) -> float:
    """Typical on-screen size (pixels) of the visible cells of a phase when ``extent`` nm fill the view:
    the median surface triangle in 3D (what the edges are drawn on), the median cell in 2D."""
    shown = part.extract_surface(algorithm=None) if dim == 3 else part
    sizes = shown.compute_cell_sizes(length=False, area=True, volume=False)
    cell_nm = np.sqrt(2 * np.median(np.abs(np.asarray(sizes.cell_data["Area"]))))
    return cell_nm * min(window_size) / (1.6 * extent)


def auto_tiles(results: Results) -> tuple[int, ...] | None:
    """Periodic copies that make a long, thin 2D cell about as tall as it is wide (None otherwise)."""
    if results.dim != 2:
        return None
    width, height = results.box
    reps = [1, 1]
    short = 0 if width < height else 1
    reps[short] = max(1, int(round(max(width, height) / min(width, height) / 1.33)))
    return None if reps == [1, 1] else tuple(reps)


def add_phases(
    plotter: Any,
    results: Results,
    mode: str = "cut",
    tiles: tuple[int, ...] | None = None,
    show_edges: bool | None = None,
    legend: bool = True,
) -> Any:
    """Draw every phase in its colour, with a legend.

    Parameters
    ----------
    plotter : pyvista.Plotter
    results : Results
    mode : {"full", "cut", "slice", "exploded", "translucent"}
        "cut" removes the octant towards the camera from the first (matrix) phase in 3D;
        "slice" shows three mid-planes; "exploded" pulls the phases apart along the last axis;
        "translucent" draws the first (matrix) phase see-through.
    tiles : tuple of int, optional
        Show ``tiles`` periodic copies of the RVE (e.g. (3, 3, 3)) instead of one.
    show_edges : bool, optional
        Mesh edges; by default only in phases whose cells span at least ``MIN_EDGE_PIXELS``.
    legend : bool
        Phase names in their colours, top left.

    Returns
    -------
    pyvista.Plotter
    """
    if mode not in VIEW_MODES:
        raise ValueError(f"view mode '{mode}' is not known; allowed: {', '.join(VIEW_MODES)}")
    grid = results.grid if tiles is None else tile(results.grid, results.box, tiles)
    shown_box = results.box if tiles is None else tuple(b * n for b, n in zip(results.box, tiles, strict=True))
    phase = np.asarray(grid.cell_data["phase"]).round().astype(int)
    colours = phase_colours(results)
    extent = max(shown_box)
    for order, (tag, name) in enumerate(sorted(results.phase_names.items())):
        part = grid.extract_cells(np.flatnonzero(phase == tag))
        if part.n_cells == 0:
            continue
        shown = _opened(part, results, mode, tag, order, shown_box)
        see_through = mode == "translucent" and order == 0 and len(results.phase_names) > 1
        edges = bool(show_edges) if show_edges is not None else bool(
            _cell_pixels(part, results.dim, extent, tuple(plotter.window_size)) >= MIN_EDGE_PIXELS)
        plotter.add_mesh(shown, color=colours[tag], show_edges=edges and not see_through, edge_color="#303030",
                         line_width=0.5, label=name, opacity=0.2 if see_through else 1.0)
        if phase_thickness(part, results.dim) < THIN_FRACTION * extent:
            outline = shown.extract_feature_edges(boundary_edges=True, feature_edges=results.dim == 3,
                                                  manifold_edges=False, non_manifold_edges=False)
            if outline.n_cells:
                plotter.add_mesh(outline, color=colours[tag], line_width=3)
    if legend:
        text_legend(plotter, [(name, colours[tag]) for tag, name in sorted(results.phase_names.items())])
    camera(plotter, results)
    return plotter


def text_legend(plotter: Any, entries: list[tuple[str, str]]) -> None:
    """Phase names in their colours, top left under the title (PyVista's legend box overflows
    the window off-screen with vtk 9.7, so we place text ourselves)."""
    height = plotter.window_size[1]
    for k, (name, colour) in enumerate(entries):
        plotter.add_text(name, position=(12, height - 52 - 24 * k), font_size=13, color=colour)


def camera(plotter: Any, results: Results) -> None:
    """Frame the RVE: orthographic and fitted for a flat (2D) cell, isometric with axes in 3D."""
    if results.dim == 2:
        # A flat cell: orthographic, fitted to the drawn extent with a margin for the title,
        # legend and scale text (a perspective fit of the bounding sphere leaves it small).
        plotter.view_xy()
        plotter.enable_parallel_projection()
        xmin, xmax, ymin, ymax = plotter.bounds[:4]
        width, height = plotter.window_size
        plotter.camera.parallel_scale = 0.5 * max(ymax - ymin, (xmax - xmin) * height / width) / 0.72
    else:
        plotter.view_isometric()
        plotter.add_axes()


def add_field(
    plotter: Any,
    results: Results,
    load_case: str = "11",
    quantity: str = "von_mises",
    magnification: float | None = None,
    phase: str | None = None,
    mode: str = "cut",
    cmap: str = "inferno",
) -> Any:
    """Draw a local field on the deformed RVE for one macroscopic load case.

    Parameters
    ----------
    plotter : pyvista.Plotter
    results : Results
    load_case : str
        Voigt label of the load case ("11", ..., "12").
    quantity : str
        "von_mises", "stress:IJ" or "strain:IJ" (cell values).
    magnification : float, optional
        Displacement scale; by default the largest displacement shows as 8 % of the box.
    phase : str, optional
        Show one phase only.
    mode : {"full", "cut"}
        "cut" removes the octant towards the camera (3D).
    cmap : str
        Matplotlib colour map.

    Returns
    -------
    pyvista.Plotter
    """
    if load_case not in results.load_cases:
        raise ValueError(f"load case '{load_case}' is not in this result; allowed: {', '.join(results.load_cases)}")
    if not results.has_local_fields():
        raise ValueError(f"'{results.directory}' has no local fields (the case was run with [output] local_fields = false)")
    grid = results.grid.copy()
    values, label = results.cell_values(quantity, load_case)
    grid.cell_data["shown"] = values
    u = results.displacement(load_case)
    if magnification is None:
        largest = np.abs(u).max()
        magnification = 0.08 * max(results.box) / largest if largest > 0 else 1.0
    grid.points = np.asarray(grid.points) + magnification * u
    if phase is not None:
        tags = {name: tag for tag, name in results.phase_names.items()}
        if phase not in tags:
            raise ValueError(f"phase '{phase}' is not in this result; phases: {sorted(tags)}")
        grid = grid.extract_cells(np.flatnonzero(results.phase_of_cells() == tags[phase]))
    if mode == "cut" and results.dim == 3:
        grid = grid.clip_box([v for length in results.box for v in (length / 2, 1.5 * length)], invert=True, crinkle=False)
    bar = {"title": label, "color": "black", "vertical": False, "position_x": 0.2, "position_y": 0.02,
           "width": 0.6, "height": 0.05, "title_font_size": 14, "label_font_size": 12}
    plotter.add_mesh(grid, scalars="shown", cmap=cmap, show_edges=False, scalar_bar_args=bar)
    plotter.add_text(f"displacement x {magnification:.3g}", position="upper_right", font_size=9, color="black")
    camera(plotter, results)
    plotter.camera.zoom(0.85)
    return plotter


def offscreen_plotter(window_size: tuple[int, int] = (1024, 768), interactive: bool = False) -> Any:
    """A white PyVista plotter; off-screen unless ``interactive``. With no display, VTK uses EGL."""
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
    import pyvista as pv

    plotter = pv.Plotter(off_screen=not interactive, window_size=list(window_size))
    plotter.set_background("white")
    return plotter


def titled(plotter: Any, results: Results, subtitle: str = "") -> Any:
    """Write the case title (and a subtitle) and the cell size on a plotter; return it."""
    plotter.add_text(results.title + (f" - {subtitle}" if subtitle else ""), font_size=10, color="black")
    box = " x ".join(f"{v:g}" for v in results.box)
    body = "specimen" if results.summary.get("geometry", {}).get("body") == "specimen" else "RVE"
    plotter.add_text(f"{body} {box} nm", position="lower_right", font_size=9, color="black")
    return plotter


def plot_phases(
    results: Results | str | Path,
    mode: str = "cut",
    tiles: tuple[int, ...] | None = None,
    window_size: tuple[int, int] = (1024, 768),
    interactive: bool = False,
    legend: bool = True,
) -> Any:
    """A plotter showing the RVE coloured by phase (see :func:`add_phases`)."""
    if not isinstance(results, Results):
        results = load_results(results)
    plotter = offscreen_plotter(window_size, interactive)
    add_phases(plotter, results, mode=mode, tiles=tiles, legend=legend)
    return titled(plotter, results, "" if tiles is None else f"{' x '.join(map(str, tiles))} periodic copies")


def plot_field(
    results: Results | str | Path,
    load_case: str = "11",
    quantity: str = "von_mises",
    magnification: float | None = None,
    phase: str | None = None,
    mode: str = "cut",
    window_size: tuple[int, int] = (1024, 768),
    interactive: bool = False,
) -> Any:
    """A plotter showing a local field on the deformed RVE (see :func:`add_field`)."""
    if not isinstance(results, Results):
        results = load_results(results)
    plotter = offscreen_plotter(window_size, interactive)
    add_field(plotter, results, load_case, quantity, magnification, phase, mode)
    return titled(plotter, results)


def save_phase_picture(directory: str | Path, filename: str = "rve.png", window_size: tuple[int, int] = (1024, 768)) -> Path:
    """Render the cut-away phase view of a results folder to ``directory/filename`` (PNG), atomically."""
    directory = Path(directory)
    results = load_results(directory)
    plotter = plot_phases(results, tiles=auto_tiles(results), window_size=window_size)
    path = directory / filename
    tmp = directory / f".{filename}.tmp.png"
    plotter.screenshot(str(tmp))
    plotter.close()
    tmp.replace(path)
    return path
