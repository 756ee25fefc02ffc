"""PyVista views of an RVE: phases in named colours, cut open so inner phases show.

Two levels, as in PyVista: ``add_*`` functions draw into a given ``Plotter``; ``plot_*``
functions make an off-screen plotter, draw, and return it (call ``.screenshot(path)``).
Units: nm.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from postprocess.results import Results, load_results

__all__ = ["PHASE_COLOURS", "phase_colours", "add_phases", "offscreen_plotter", "plot_phases", "save_phase_picture"]

#: Distinct, colour-blind-friendly colours (Okabe-Ito), assigned to phases in tag order.
PHASE_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def phase_colours(results: Results) -> dict[int, str]:
    """Phase tag -> colour (hex)."""
    return {tag: PHASE_COLOURS[i % len(PHASE_COLOURS)] for i, tag in enumerate(sorted(results.phase_names))}


def _cutaway(grid: Any, box: tuple[float, ...]) -> Any:
    """Remove the octant (3D) between the box centre and the far corner, facing the camera."""
    bounds = [v for length in box for v in (length / 2, 1.01 * length)]
    return grid.clip_box(bounds, invert=True, crinkle=False)


def add_phases(plotter: Any, results: Results, cut: bool = True, show_edges: bool = True) -> Any:
    """Draw every phase of the RVE in its colour, with a legend.

    Parameters
    ----------
    plotter : pyvista.Plotter
    results : Results
    cut : bool
        3D only: cut away the front octant of the matrix (the first phase) so that
        inclusions inside show whole.
    show_edges : bool
        Draw the mesh edges.

    Returns
    -------
    pyvista.Plotter
    """
    grid = results.grid
    phase = np.asarray(grid.cell_data["phase"]).round().astype(int)
    colours = phase_colours(results)
    matrix_tag = min(results.phase_names)
    for tag, name in sorted(results.phase_names.items()):
        part = grid.extract_cells(np.flatnonzero(phase == tag))
        if part.n_cells == 0:
            continue
        if cut and results.dim == 3 and tag == matrix_tag and len(results.phase_names) > 1:
            part = _cutaway(part, results.box)
        plotter.add_mesh(part, color=colours[tag], show_edges=show_edges, edge_color="#303030", line_width=0.5, label=name)
    plotter.add_legend(bcolor="white", face="rectangle", size=(0.22, 0.06 * len(results.phase_names) + 0.04))
    if results.dim == 2:
        plotter.view_xy()
    else:
        plotter.view_isometric()
    plotter.add_axes()
    return plotter


def offscreen_plotter(window_size: tuple[int, int] = (1024, 768)) -> Any:
    """A white off-screen PyVista plotter; with no X display, VTK renders through EGL."""
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
    import pyvista as pv

    plotter = pv.Plotter(off_screen=True, window_size=list(window_size))
    plotter.set_background("white")
    return plotter


def plot_phases(results: Results | str | Path, cut: bool = True, window_size: tuple[int, int] = (1024, 768)) -> Any:
    """An off-screen plotter showing the RVE coloured by phase (see :func:`add_phases`)."""
    if not isinstance(results, Results):
        results = load_results(results)
    plotter = offscreen_plotter(window_size)
    add_phases(plotter, results, cut=cut)
    title = results.summary.get("case", {}).get("title", "")
    if title:
        plotter.add_text(title, font_size=10, color="black")
    box = " x ".join(f"{v:g}" for v in results.box)
    plotter.add_text(f"RVE {box} nm", position="lower_right", font_size=9, color="black")
    return plotter


def save_phase_picture(directory: str | Path, filename: str = "rve.png", window_size: tuple[int, int] = (1024, 768)) -> Path:
    """Render the phase view of a results folder to ``directory/filename`` (PNG)."""
    directory = Path(directory)
    plotter = plot_phases(directory, window_size=window_size)
    path = directory / filename
    tmp = directory / f".{filename}.tmp.png"
    plotter.screenshot(str(tmp))
    plotter.close()
    tmp.replace(path)
    return path
