"""Read a results folder (see ``solvers/output.py``) into PyVista objects, without DOLFINx.

Units: nm, GPa, g/cm^3 (as written in ``summary.json``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Results", "load_results"]


@dataclass(frozen=True, eq=False)
class Results:
    """A results folder, loaded.

    Attributes
    ----------
    directory : pathlib.Path
    summary : dict
        Contents of ``summary.json``.
    grid : pyvista.UnstructuredGrid
        The RVE mesh (ghost cells removed) with cell data ``phase`` and point data per load case.
    phase_names : dict of int to str
        Phase tag -> phase name.
    """

    directory: Path
    summary: dict[str, Any]
    grid: Any
    phase_names: dict[int, str]

    @property
    def dim(self) -> int:
        """Spatial dimension of the RVE."""
        return len(self.summary["geometry"]["box"])

    @property
    def box(self) -> tuple[float, ...]:
        """Box lengths (nm)."""
        return tuple(self.summary["geometry"]["box"])


def _without_ghosts(grid: Any) -> Any:
    if "vtkGhostType" not in grid.cell_data:
        return grid
    owned = np.flatnonzero(np.asarray(grid.cell_data["vtkGhostType"]) == 0)
    return grid.extract_cells(owned)


def load_results(directory: str | Path) -> Results:
    """Load ``summary.json`` and the VTK fields of a results folder.

    Parameters
    ----------
    directory : path
        A folder written by ``amorfem run``.

    Returns
    -------
    Results
    """
    import pyvista as pv

    directory = Path(directory)
    summary_path = directory / "summary.json"
    if not summary_path.is_file():
        raise FileNotFoundError(f"'{directory}' is not an amorfem results folder: no summary.json")
    summary = json.loads(summary_path.read_text())
    fields = directory / summary["files"]["fields"]
    data = pv.read(fields)
    grid = data.combine() if isinstance(data, pv.MultiBlock) else data
    grid = _without_ghosts(grid)
    phase_names = {int(tag): name for name, tag in summary["geometry"]["phases"].items()}
    return Results(directory=directory, summary=summary, grid=grid, phase_names=phase_names)
