"""The macroscopic load path of an RVE analysis, as a case file's ``[analysis]`` table gives it.

Shared by the analyses that load a periodic RVE step by step under mixed macroscopic control
(strength, toughness): which strains follow a path, which stresses are held, the step sizes,
the Newton tolerances, and when fields and checkpoints are written. Strains dimensionless
(engineering shears), stresses GPa.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from solvers.fe.load_stepping import StepSettings
from solvers.fe.macro_control import CONTROLS, MacroControl
from solvers.fe.macro_newton import NewtonSettings

__all__ = ["LoadPathSettings", "LOAD_PATH_KEYS", "check_keys", "check_load_path", "path_parameters"]

#: ``[analysis]`` keys of the load path.
LOAD_PATH_KEYS = frozenset({"control", "strain", "direction", "ratio", "component", "stress", "out_of_plane", "steps",
                            "max_step", "min_step", "newton", "fields_at", "fields_every", "checkpoint_every"})


@dataclass(frozen=True)
class LoadPathSettings:
    """A macroscopic load path and its steps.

    Parameters
    ----------
    control : {"uniaxial", "biaxial", "pure_shear", "hydrostatic", "custom"}
        Load path type (see :meth:`solvers.fe.macro_control.MacroControl.build`).
    strain : sequence of float or mapping
        Knots of the controlled strain, e.g. ``[0.0, 0.05]`` or ``[0.0, 0.03, 0.0]`` (unloading);
        for ``custom`` a table ``{ "11" = [...], ... }``.
    direction : sequence of float or None
        Loading direction of ``uniaxial`` (default x1).
    ratio : float
        e22 / e11 of ``biaxial``.
    component : str
        Shear of ``pure_shear`` ("12", "13", "23").
    stress : mapping of str to float
        Held stresses of free components (GPa); default 0.
    out_of_plane : {"free", "plane_strain"}
        2D: e33 free (Sigma33 = 0) or held at 0.
    steps : int
        Nominal number of steps along the path (the first step is 1/steps of it), > 0.
    max_step, min_step : float or None
        Largest and smallest step as fractions of the path (default 1/steps and 1e-4/steps).
    newton : NewtonSettings
        Tolerances of the displacement Newton.
    fields_at : sequence of float
        Loaded strains at which to write fields (the first step past each is written; the end always is).
    fields_every : int
        Also write fields every this many accepted steps (0: never), for animations.
    checkpoint_every : int
        Accepted steps between checkpoints, > 0.
    """

    control: str = "uniaxial"
    strain: Sequence[float] | Mapping[str, Sequence[float]] = (0.0, 0.02)
    direction: tuple[float, ...] | None = None
    ratio: float = 1.0
    component: str = "12"
    stress: Mapping[str, float] = field(default_factory=dict)
    out_of_plane: str = "free"
    steps: int = 50
    max_step: float | None = None
    min_step: float | None = None
    newton: NewtonSettings = field(default_factory=NewtonSettings)
    fields_at: tuple[float, ...] = ()
    fields_every: int = 5
    checkpoint_every: int = 1

    def __post_init__(self) -> None:
        if self.control not in CONTROLS:
            raise ValueError(f"[analysis] control={self.control!r} is not known; allowed: {', '.join(CONTROLS)}")
        if not (isinstance(self.steps, int) and self.steps > 0):
            raise ValueError(f"[analysis] steps={self.steps!r} must be a positive integer")
        if not (isinstance(self.fields_every, int) and self.fields_every >= 0):
            raise ValueError(f"[analysis] fields_every={self.fields_every!r} must be an integer >= 0")
        if not (isinstance(self.checkpoint_every, int) and self.checkpoint_every > 0):
            raise ValueError(f"[analysis] checkpoint_every={self.checkpoint_every!r} must be a positive integer")
        object.__setattr__(self, "fields_at", tuple(float(v) for v in self.fields_at))
        self.step_settings()  # validates the step bounds

    def step_settings(self) -> StepSettings:
        """The adaptive step control of these settings."""
        nominal = 1.0 / self.steps
        return StepSettings(initial=nominal, maximum=self.max_step if self.max_step is not None else nominal,
                            minimum=self.min_step if self.min_step is not None else 1e-4 * nominal)

    def macro_control(self, dim: int) -> MacroControl:
        """The load path on a ``dim``-dimensional RVE."""
        strain = dict(self.strain) if isinstance(self.strain, Mapping) else list(self.strain)
        return MacroControl.build(dim, self.control, strain, direction=self.direction, ratio=self.ratio,
                                  component=self.component, stress=self.stress, out_of_plane=self.out_of_plane)


def check_load_path(settings: LoadPathSettings, dim: int) -> None:
    """Refuse a load path that the geometry's dimension cannot follow (before meshing)."""
    settings.macro_control(dim)


def check_keys(table: Mapping[str, Any], allowed: set[str] | frozenset[str], analysis: str) -> None:
    """Refuse keys of an ``[analysis]`` table that its type does not know."""
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ValueError(f"[analysis] has unknown keys {unknown} for type '{analysis}'; "
                         f"allowed: {sorted(set(allowed) | {'type'})}")


#: Sub-tables of an ``[analysis]`` table that become settings objects: key -> (class, its keys).
_TABLES: dict[str, tuple[type, str]] = {"newton": (NewtonSettings, "max_iterations, force_tolerance, stress_tolerance")}


def path_parameters(table: Mapping[str, Any], allowed: set[str] | frozenset[str], analysis: str,
                    tables: Mapping[str, tuple[type, str]] | None = None) -> dict[str, Any]:
    """The keyword arguments of a load-path analysis's settings from its ``[analysis]`` table.

    Checks the keys, turns sub-tables (``newton``, and ``tables``: key -> (settings class, the
    keys it takes, for the message)) into settings objects and lists into tuples.
    """
    check_keys(table, allowed, analysis)
    params = dict(table)
    for key, (cls, words) in {**_TABLES, **(tables or {})}.items():
        if key not in params:
            continue
        if not isinstance(params[key], Mapping):
            raise ValueError(f"[analysis] {key} must be a table ({words})")
        try:
            params[key] = cls(**params[key])
        except TypeError as exc:
            raise ValueError(f"[analysis] {key}: {exc}") from exc
    for key in ("direction", "fields_at", "displacement"):
        if key in params and params[key] is not None and isinstance(params[key], list):
            params[key] = tuple(params[key])
    if isinstance(params.get("strain"), list):
        params["strain"] = tuple(params["strain"])
    return params
