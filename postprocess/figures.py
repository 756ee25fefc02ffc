"""The figures of a case: a registry that views and reports draw from.

Each :class:`FigureSpec` says when it applies (``available``) and how to draw it into a PNG
(``render``). A later analysis (stress-strain curves, damage, R-curves) adds its figures by
appending specs to :data:`FIGURES`; the report and ``amorfem view`` pick them up unchanged.
Units: nm, GPa.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from postprocess.results import Results

__all__ = ["FigureSpec", "FIGURES", "render_figures"]

WINDOW = (1024, 768)


@dataclass(frozen=True)
class FigureSpec:
    """One kind of figure.

    Attributes
    ----------
    name : str
        File stem of the PNG.
    caption : str
        One sentence for reports.
    available : callable
        ``Results -> bool``: whether this case can show it.
    render : callable
        ``(Results, path) -> None``: draw the file.
    suffix : str
        File type (".png"; ".gif" for animations).
    """

    name: str
    caption: str
    available: Callable[[Results], bool]
    render: Callable[[Results, Path], None]
    suffix: str = ".png"


def _screenshot(plotter, path: Path) -> None:
    plotter.screenshot(str(path))
    plotter.close()


def _matplotlib(figure, path: Path) -> None:
    figure.savefig(path, dpi=110)


def _phases(mode: str, tiles: bool = False) -> Callable[[Results, Path], None]:
    def render(results: Results, path: Path) -> None:
        from postprocess.views import plot_phases

        from postprocess.views import auto_tiles

        reps = auto_tiles(results) if not tiles else (3,) * results.dim if results.dim == 2 else (2, 2, 2)
        _screenshot(plot_phases(results, mode=mode, tiles=reps, window_size=WINDOW), path)

    return render


def _field(load_case: Callable[[Results], str]) -> Callable[[Results, Path], None]:
    def render(results: Results, path: Path) -> None:
        from postprocess.views import plot_field

        _screenshot(plot_field(results, load_case(results), "von_mises", window_size=WINDOW), path)

    return render


def _shear_case(results: Results) -> str:
    return results.load_cases[-1]


def _directional(results: Results, path: Path) -> None:
    from postprocess.plots import plot_directional_modulus

    _matplotlib(plot_directional_modulus(results.C, title=f"{results.title}: directional Young's modulus (GPa)"), path)


def _histogram(results: Results, path: Path) -> None:
    from postprocess.plots import plot_stress_histograms

    _matplotlib(plot_stress_histograms(results, results.load_cases[0]), path)


def _bounds(results: Results, path: Path) -> None:
    from postprocess.plots import plot_moduli_with_bounds

    _matplotlib(plot_moduli_with_bounds([results.summary], [results.title]), path)


def _ashby(y: str, x: str = "density") -> Callable[[Results, Path], None]:
    def render(results: Results, path: Path) -> None:
        from postprocess.ashby import plot_ashby

        _matplotlib(plot_ashby([results.summary], [results.title], x=x, y=y), path)

    return render


def _stress_strain(results: Results, path: Path) -> None:
    from postprocess.curves import plot_stress_strain

    _matplotlib(plot_stress_strain([results.summary], [results.title], title=f"{results.title}: stress-strain"), path)


def _force_displacement(results: Results, path: Path) -> None:
    from postprocess.curves import plot_force_displacement

    _matplotlib(plot_force_displacement([results.summary], [results.title], title=f"{results.title}: force-displacement"),
                path)


def _r_curve(results: Results, path: Path) -> None:
    from postprocess.curves import plot_r_curve

    _matplotlib(plot_r_curve([results.summary], [results.title], title=f"{results.title}: R-curve"), path)


def _notched(results: Results) -> bool:
    from postprocess.curves import has_r_curve

    return has_r_curve(results.summary)


def _state(quantity: str) -> Callable[[Results, Path], None]:
    def render(results: Results, path: Path) -> None:
        from postprocess.states import plot_state

        clim = (0.0, 1.0) if quantity == "damage" else None
        _screenshot(plot_state(results, quantity, clim=clim, window_size=WINDOW), path)

    return render


def _crack(results: Results, path: Path) -> None:
    from postprocess.states import plot_crack

    _screenshot(plot_crack(results, window_size=WINDOW), path)


def _animation(quantity: str) -> Callable[[Results, Path], None]:
    def render(results: Results, path: Path) -> None:
        from postprocess.states import animate_states

        animate_states(results, path, quantity=quantity)

    return render


def _always(results: Results) -> bool:
    return True


def _stiffness(results: Results) -> bool:
    return "C" in results.summary


def _on_ashby_chart(y: str, x: str = "density") -> Callable[[Results], bool]:
    def available(results: Results) -> bool:
        from postprocess.ashby import has_design_point

        return has_design_point(results.summary, y, x)

    return available


def _curve(results: Results) -> bool:
    from postprocess.curves import has_curve

    return has_curve(results.summary)


def _holds(quantity: str) -> Callable[[Results], bool]:
    def available(results: Results) -> bool:
        from postprocess.states import has_state

        return has_state(results, quantity)

    return available


def _animated(quantity: str) -> Callable[[Results], bool]:
    def available(results: Results) -> bool:
        from postprocess.states import field_steps

        return _holds(quantity)(results) and len(field_steps(results)) >= 2

    return available


def _three_d(results: Results) -> bool:
    return results.dim == 3


def _local(results: Results) -> bool:
    return results.has_local_fields()


FIGURES: list[FigureSpec] = [
    FigureSpec("phases", "The RVE coloured by phase, cut open so that inner phases show.", _always, _phases("cut")),
    FigureSpec("exploded", "Exploded view: the phases pulled apart along the last axis.", _three_d, _phases("exploded")),
    FigureSpec("slices", "Three orthogonal mid-plane slices through the RVE.", _three_d, _phases("slice")),
    FigureSpec("tiled", "Periodic copies of the RVE: the material it stands for (matrix see-through).", _always,
               _phases("translucent", tiles=True)),
    FigureSpec("von_mises_axial", "Von Mises stress under the first macroscopic load case, on the deformed shape.",
               _local, _field(lambda r: r.load_cases[0])),
    FigureSpec("von_mises_shear", "Von Mises stress under the in-plane shear load case (12), on the deformed shape.",
               _local, _field(_shear_case)),
    FigureSpec("stress_histogram", "Volume-weighted von Mises stress per phase under the first load case: "
               "which phase carries the load.", _local, _histogram),
    FigureSpec("directional_modulus", "Young's modulus along every direction (plane-strain modulus in 2D).", _stiffness,
               _directional),
    FigureSpec("bounds", "Effective moduli with their Voigt/Reuss (and Hashin-Shtrikman) bounds.", _stiffness, _bounds),
    FigureSpec("ashby", "The design on a modulus-density chart among reference materials of the field.",
               _on_ashby_chart("E"), _ashby("E")),
    FigureSpec("stress_strain", "Macroscopic stress-strain curve with its 0.2 % offset yield (circle) and peak (star).",
               _curve, _stress_strain),
    FigureSpec("plastic_strain", "Equivalent plastic strain at the end of the path, on the deformed RVE: the plastic zones.",
               _holds("equivalent_plastic_strain"), _state("equivalent_plastic_strain")),
    FigureSpec("von_mises_end", "Von Mises stress at the end of the path, on the deformed RVE.",
               _holds("equivalent_plastic_strain"), _state("von_mises")),
    FigureSpec("plastic_zone_growth", "Animation: the equivalent plastic strain at the steps written along the path.",
               _animated("equivalent_plastic_strain"), _animation("equivalent_plastic_strain"), suffix=".gif"),
    FigureSpec("force_displacement", "Force against load-point displacement of the notched specimen (star: peak).",
               _notched, _force_displacement),
    FigureSpec("r_curve", "R-curve: fracture resistance from the dissipated energy against crack extension.",
               _notched, _r_curve),
    FigureSpec("crack", "The crack over the phases at the end of the path, on the deformed body (damage >= 0.5 "
               "shaded with its contour in 2D; the damage = 0.5 iso-surface in 3D).", _holds("damage"), _crack),
    FigureSpec("damage", "Damage at the end of the path, on the deformed body (0 intact, 1 broken).",
               _holds("damage"), _state("damage")),
    FigureSpec("crack_growth", "Animation: the damage at the steps written along the path (crack growth).",
               _animated("damage"), _animation("damage"), suffix=".gif"),
    FigureSpec("ashby_strength", "The design on a strength-density chart among reference materials of the field.",
               _on_ashby_chart("strength"), _ashby("strength")),
    FigureSpec("ashby_toughness", "The design on a strength-toughness chart (K_IC) among reference materials of the field.",
               _on_ashby_chart("strength", "toughness"), _ashby("strength", "toughness")),
]


def render_figures(results: Results, directory: str | Path, names: Sequence[str] | None = None) -> dict[str, Path]:
    """Render the available figures of a case into ``directory`` (PNG or GIF, atomically); return name -> path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    known = {spec.name for spec in FIGURES}
    unknown = set(names or ()) - known
    if unknown:
        raise ValueError(f"figures {sorted(unknown)} are not known; known: {sorted(known)}")
    written = {}
    for spec in FIGURES:
        if (names is not None and spec.name not in names) or not spec.available(results):
            continue
        path = directory / f"{spec.name}{spec.suffix}"
        tmp = directory / f".{spec.name}.tmp{spec.suffix}"
        spec.render(results, tmp)
        tmp.replace(path)
        written[spec.name] = path
    return written
