"""Read a results folder (see ``solvers/output.py``) into PyVista objects, without DOLFINx.

Units: nm, GPa, g/cm^3 (as written in ``summary.json``). Voigt order 11, 22, 33, 23, 13, 12
(2D: 11, 22, 12) with engineering shear, as in the solver.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from solvers.micromechanics.voigt import VTK_SYMMETRIC_PAIRS, unit_strain_tensor, voigt_index

__all__ = ["Results", "load_results", "load_grid", "VTK_SYMMETRIC_PAIRS"]


@dataclass(frozen=True, eq=False)
class Results:
    """A results folder, loaded.

    Attributes
    ----------
    directory : pathlib.Path
    summary : dict
        Contents of ``summary.json``.
    grid : pyvista.UnstructuredGrid
        The RVE mesh with cell data ``phase`` and, per load case, point data ``w_IJ`` / ``u_IJ``
        (nm) and cell data ``strain_IJ``, ``stress_IJ`` (6 components, XX YY ZZ XY YZ XZ; GPa)
        and ``von_mises_IJ`` (GPa).
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

    @property
    def title(self) -> str:
        """Case title."""
        return self.summary.get("case", {}).get("title") or self.directory.name

    @property
    def analysis(self) -> str:
        """The analysis that wrote the folder ("stiffness", "strength", ...)."""
        return self.summary.get("analysis", {}).get("type", "stiffness")

    @property
    def load_cases(self) -> tuple[str, ...]:
        """Load-case labels of a stiffness result, e.g. ``("11", "22", ..., "12")``; empty otherwise."""
        return tuple(self.summary.get("voigt_order", ()))

    @property
    def strain_driven(self) -> bool:
        """True for periodic/KUBC results (unit macro strain per load case), False for SUBC."""
        return self.summary["bc"] != "subc"

    @property
    def C(self) -> np.ndarray:
        """Effective Voigt stiffness (GPa)."""
        return np.array(self.summary["C"])

    def has_local_fields(self) -> bool:
        """True when the folder holds cell strain/stress fields of stiffness load cases."""
        return bool(self.load_cases) and f"von_mises_{self.load_cases[0]}" in self.grid.cell_data

    def macro_strain(self, load_case: str) -> np.ndarray:
        """Macroscopic strain tensor (3x3) of a strain-driven load case (zero for SUBC)."""
        if not self.strain_driven:
            return np.zeros((3, 3))
        return unit_strain_tensor(voigt_index(load_case), 3)

    def displacement(self, load_case: str) -> np.ndarray:
        """Total displacement (nm) at the grid points for a load case: ``E.x + w`` or ``u``."""
        key = f"w_{load_case}" if self.strain_driven else f"u_{load_case}"
        values = np.asarray(self.grid.point_data[key])
        if values.shape[1] < 3:
            values = np.column_stack([values, np.zeros((values.shape[0], 3 - values.shape[1]))])
        return values + np.asarray(self.grid.points) @ self.macro_strain(load_case).T

    def cell_values(self, quantity: str, load_case: str) -> tuple[np.ndarray, str]:
        """Cell values of "von_mises", "stress:IJ" or "strain:IJ" for a load case, and a label with units."""
        grid = self.grid
        unit = "GPa per unit strain" if self.strain_driven else "GPa per GPa"
        if quantity == "von_mises":
            return np.asarray(grid.cell_data[f"von_mises_{load_case}"]), f"von Mises stress, load {load_case} ({unit})"
        name, _, component = quantity.partition(":")
        if name not in ("stress", "strain") or len(component) != 2 or not set(component) <= set("123"):
            raise ValueError(f"quantity '{quantity}' is not known; use 'von_mises', 'stress:IJ' or 'strain:IJ'")
        pair = tuple(sorted((int(component[0]) - 1, int(component[1]) - 1)))
        values = np.asarray(grid.cell_data[f"{name}_{load_case}"])[:, VTK_SYMMETRIC_PAIRS.index(pair)]
        return values, f"{name} {component}, load {load_case}" + (f" ({unit})" if name == "stress" else "")

    def phase_of_cells(self) -> np.ndarray:
        """Phase tag of every cell."""
        return np.asarray(self.grid.cell_data["phase"]).round().astype(int)


def _without_ghosts(grid: Any) -> Any:
    if "vtkGhostType" not in grid.cell_data:
        return grid
    owned = np.flatnonzero(np.asarray(grid.cell_data["vtkGhostType"]) == 0)
    return grid.extract_cells(owned)


def load_grid(path: str | Path) -> Any:
    """One grid (ghost cells dropped) from a field file of a results folder (``.vtm`` of rank pieces)."""
    import pyvista as pv

    data = pv.read(path)
    grid = data.combine() if isinstance(data, pv.MultiBlock) else data
    return _without_ghosts(grid)


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
    directory = Path(directory)
    summary_path = directory / "summary.json"
    if not summary_path.is_file():
        raise FileNotFoundError(f"'{directory}' is not an amorfem results folder: no summary.json")
    summary = json.loads(summary_path.read_text())
    grid = load_grid(directory / summary["files"]["fields"])
    phase_names = {int(tag): name for name, tag in summary["geometry"]["phases"].items()}
    return Results(directory=directory, summary=summary, grid=grid, phase_names=phase_names)
