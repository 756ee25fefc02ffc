"""The registry of analyses: what an analysis is, what it is given, what it returns.

An analysis validates its own ``[analysis]`` table (``parse``, before any meshing), names the
bodies it can run on (periodic RVEs, finite specimens), and runs on a meshed body (``run``).
What it returns is written by the application without knowing the analysis: a JSON-ready
summary, point fields and cell arrays for the VTK output, and a one-line headline for the log.
Units: nm, GPa.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from solvers.fe.linear_solver import SolverOptions
from solvers.micromechanics.materials import Material

__all__ = ["Analysis", "AnalysisInputs", "AnalysisResult", "ANALYSES", "register", "analysis_named", "BODY_KINDS"]

#: Kinds of body an analysis may run on: a periodic RVE, or a finite (e.g. notched) specimen.
BODY_KINDS = ("rve", "specimen")


@dataclass(frozen=True, eq=False)
class AnalysisInputs:
    """Everything an analysis runs on.

    Attributes
    ----------
    body : RVE or Specimen
        The meshed body (nm), distributed on its communicator.
    materials : dict of str to Material
        Material of every phase (GPa).
    degree : int
        Lagrange degree of the displacement.
    solver : SolverOptions
        Linear solver choice.
    settings : object
        What the analysis's ``parse`` returned for the ``[analysis]`` table.
    local_fields : bool
        Whether to compute local strain/stress fields (``[output] local_fields``).
    directory : pathlib.Path or None
        Results folder, for analyses that write checkpoints or extra files (rank 0 writes).
    run_key : str
        Identity of the run (case digest and code version): checkpoints of another key are not resumed.
    """

    body: Any
    materials: Mapping[str, Material]
    degree: int
    solver: SolverOptions
    settings: Any
    local_fields: bool = True
    directory: Path | None = None
    run_key: str = ""


class AnalysisResult(Protocol):
    """What every analysis returns."""

    @property
    def point_fields(self) -> Sequence[Any]:
        """Vector fields on one Lagrange space (nm) for the VTK output (may be empty)."""

    @property
    def cell_fields(self) -> Mapping[str, np.ndarray]:
        """Arrays over the locally owned cells for the VTK output."""

    def summary(self) -> dict[str, Any]:
        """JSON-ready results, merged into ``summary.json`` (units stated in the keys' docs)."""

    def headline(self) -> str:
        """A few lines for the log (rank 0)."""


@dataclass(frozen=True)
class Analysis:
    """One kind of analysis.

    Attributes
    ----------
    name : str
        Its ``[analysis] type``.
    description : str
        One line for help texts.
    bodies : tuple of str
        Kinds of body it runs on (see :data:`BODY_KINDS`).
    parse : callable
        ``Mapping -> settings``: validates the ``[analysis]`` table (without ``type``) and
        returns the analysis's settings; raises ``ValueError`` naming the key, its value and
        what is allowed.
    run : callable
        ``AnalysisInputs -> AnalysisResult``.
    check : callable, optional
        ``(settings, dim) -> None``: refuses settings that the geometry's dimension cannot run
        (called when the case is read, before meshing).
    """

    name: str
    description: str
    bodies: tuple[str, ...]
    parse: Callable[[Mapping[str, Any]], Any]
    run: Callable[[AnalysisInputs], AnalysisResult]
    check: Callable[[Any, int], None] | None = None

    def __post_init__(self) -> None:
        unknown = set(self.bodies) - set(BODY_KINDS)
        if not self.bodies or unknown:
            raise ValueError(f"analysis '{self.name}': bodies={self.bodies} must be a non-empty subset of {BODY_KINDS}")


#: Registered analyses by ``[analysis] type``.
ANALYSES: dict[str, Analysis] = {}


def register(analysis: Analysis) -> Analysis:
    """Register an analysis under its name (refusing a second one of the same name)."""
    if analysis.name in ANALYSES and ANALYSES[analysis.name] is not analysis:
        raise ValueError(f"an analysis named '{analysis.name}' is already registered")
    ANALYSES[analysis.name] = analysis
    return analysis


def analysis_named(name: object) -> Analysis:
    """The registered analysis of a type name, or a clear error listing the known ones."""
    if not isinstance(name, str) or name not in ANALYSES:
        raise ValueError(f"[analysis] type={name!r} is not known; allowed: {', '.join(sorted(ANALYSES))}")
    return ANALYSES[name]
