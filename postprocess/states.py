"""Views of the state of inelastic runs: plastic strain, damage and von Mises stress on the deformed RVE,
at the end or at the steps written along the path, and an animation of their growth.

The state fields are the cell data ``equivalent_plastic_strain`` (dimensionless), ``von_mises``
(GPa) and ``stress`` of a results folder's ``fields/`` (the end) or of
``steps/step_NNNN/`` (listed in ``summary.json`` under ``strength.field_steps`` or
``toughness.field_steps``), with the point data ``displacement`` (nm); a toughness run's cell
data ``damage`` (0 intact, 1 broken) shows the crack pattern. Units: nm, GPa.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from postprocess.results import Results, load_grid

__all__ = ["STATE_LABELS", "CRACK_LEVEL", "has_state", "field_steps", "state_grid", "plot_state", "crack_surface", "plot_crack",
           "animate_states"]

#: The damage at which a point counts as cracked in pictures (contour in 2D, iso-surface in 3D).
CRACK_LEVEL = 0.5

#: Quantity -> colour-bar label.
STATE_LABELS = {"equivalent_plastic_strain": "equivalent plastic strain", "von_mises": "von Mises stress (GPa)",
                "damage": "damage d (0 intact, 1 broken)"}

#: The summary sections of the analyses that write fields along their path.
_PATH_ANALYSES = ("strength", "toughness")


def has_state(results: Results, quantity: str = "equivalent_plastic_strain") -> bool:
    """True when the results hold the state field ``quantity`` (plastic strain: a strength run; damage: toughness)."""
    return quantity in results.grid.cell_data


def field_steps(results: Results) -> list[dict]:
    """The steps whose fields were written: ``[{"step", "loaded_strain", "file"}, ...]``."""
    for name in _PATH_ANALYSES:
        if name in results.summary:
            return list(results.summary[name].get("field_steps", []))
    return []


def state_grid(results: Results, step: int | None = None) -> Any:
    """The grid of the end state (``step`` None) or of a written step."""
    if step is None:
        return results.grid
    for entry in field_steps(results):
        if entry["step"] == step:
            return load_grid(results.directory / entry["file"])
    raise ValueError(f"step {step} was not written; written steps: {[e['step'] for e in field_steps(results)]}")


def _deformed(results: Results, grid: Any, quantity: str, magnification: float | None, mode: str) -> tuple[Any, float]:
    if quantity not in grid.cell_data:
        raise ValueError(f"quantity '{quantity}' is not in these fields; allowed: {sorted(STATE_LABELS)}")
    grid = grid.copy()
    u = np.asarray(grid.point_data["displacement"])
    if u.shape[1] < 3:
        u = np.column_stack([u, np.zeros((u.shape[0], 3 - u.shape[1]))])
    if magnification is None:
        largest = np.abs(u).max()
        magnification = 0.08 * max(results.box) / largest if largest > 0 else 1.0
    grid.points = np.asarray(grid.points) + magnification * u
    if mode == "cut" and results.dim == 3:
        grid = grid.clip_box([v for length in results.box for v in (length / 2, 1.5 * length)], invert=True, crinkle=False)
    return grid, magnification


def plot_state(
    results: Results,
    quantity: str = "equivalent_plastic_strain",
    step: int | None = None,
    magnification: float | None = None,
    mode: str = "cut",
    clim: tuple[float, float] | None = None,
    window_size: tuple[int, int] = (1024, 768),
) -> Any:
    """An off-screen plotter with a state quantity on the deformed RVE (end or a written step)."""
    from postprocess.views import camera, offscreen_plotter, titled

    grid, magnification = _deformed(results, state_grid(results, step), quantity, magnification, mode)
    plotter = offscreen_plotter(window_size)
    bar = {"title": STATE_LABELS.get(quantity, quantity), "color": "black", "vertical": False, "position_x": 0.2,
           "position_y": 0.02, "width": 0.6, "height": 0.05, "title_font_size": 14, "label_font_size": 12}
    plotter.add_mesh(grid, scalars=quantity, cmap="inferno", clim=clim, show_edges=False, scalar_bar_args=bar)
    where = "end" if step is None else f"step {step}"
    for entry in field_steps(results):
        if entry["step"] == step:
            where += (f", strain {100 * entry['loaded_strain']:.2f} %" if "loaded_strain" in entry
                      else f", displacement {entry['displacement']:.3g} nm")
    plotter.add_text(f"{where}; displacement x {magnification:.3g}", position="upper_right", font_size=9, color="black")
    camera(plotter, results)
    plotter.camera.zoom(0.85)
    return titled(plotter, results)


def crack_surface(grid: Any, level: float = CRACK_LEVEL) -> Any:
    """The ``damage = level`` contour of a grid with cell data ``damage``: lines in 2D, an
    iso-surface in 3D (PolyData, nm; the cell damage is averaged to the points first)."""
    return grid.cell_data_to_point_data().contour([level], scalars="damage")


def plot_crack(results: Results, step: int | None = None, level: float = CRACK_LEVEL,
               magnification: float | None = None, window_size: tuple[int, int] = (1024, 768)) -> Any:
    """The crack over the phases on the deformed body: the phases in their colours, the cracked
    cells (``damage >= level``) shaded dark and the ``damage = level`` contour line (2D) or
    iso-surface (3D, the phases see-through), at the end or at a written step."""
    from postprocess.views import camera, offscreen_plotter, phase_colours, text_legend, titled

    grid, magnification = _deformed(results, state_grid(results, step), "damage", magnification, "full")
    plotter = offscreen_plotter(window_size)
    colours = phase_colours(results)
    phase = np.asarray(grid.cell_data["phase"]).round().astype(int)
    for tag, name in sorted(results.phase_names.items()):
        part = grid.extract_cells(np.flatnonzero(phase == tag))
        if part.n_cells:
            plotter.add_mesh(part, color=colours[tag], opacity=1.0 if results.dim == 2 else 0.12)
    damage = np.asarray(grid.cell_data["damage"])
    cracked = grid.extract_cells(np.flatnonzero(damage >= level))
    surface = crack_surface(grid, level)
    if results.dim == 2:
        if cracked.n_cells:
            plotter.add_mesh(cracked, color="#1a1a1a", opacity=0.75)
        if surface.n_points:
            plotter.add_mesh(surface, color="#d62728", line_width=2.5)
    elif surface.n_points:
        plotter.add_mesh(surface, color="#d62728", smooth_shading=True)
    crack = f"crack: damage >= {level:g}" if results.dim == 2 else f"crack: damage = {level:g} iso-surface"
    text_legend(plotter, [(name, colours[tag]) for tag, name in sorted(results.phase_names.items())] + [(crack, "#d62728")])
    where = "end" if step is None else f"step {step}"
    plotter.add_text(f"{where}; displacement x {magnification:.3g}", position="upper_right", font_size=9, color="black")
    camera(plotter, results)
    plotter.camera.zoom(0.85)
    return titled(plotter, results)


def animate_states(results: Results, path: str | Path, quantity: str = "equivalent_plastic_strain",
                   window_size: tuple[int, int] = (800, 600), seconds_per_frame: float = 0.4) -> Path:
    """An animated GIF of a state quantity over the written steps (one colour scale for all frames)."""
    from PIL import Image

    steps = [entry["step"] for entry in field_steps(results)]
    if not steps:
        raise ValueError(f"'{results.directory}' has no fields written along the path")
    grids = [state_grid(results, step) for step in steps]
    top = max(float(np.max(g.cell_data[quantity])) for g in grids)
    clim = (0.0, 1.0) if quantity == "damage" else (0.0, top if top > 0 else 1.0)
    final = np.abs(np.asarray(grids[-1].point_data["displacement"])).max()
    magnification = 0.08 * max(results.box) / final if final > 0 else 1.0
    frames = []
    for step in steps:
        plotter = plot_state(results, quantity, step, magnification, clim=clim, window_size=window_size)
        frames.append(Image.fromarray(plotter.screenshot(return_img=True)))
        plotter.close()
    path = Path(path)
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=int(1000 * seconds_per_frame), loop=0)
    return path
