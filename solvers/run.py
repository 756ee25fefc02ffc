"""Run a case end to end: mesh, solve, write the results folder (see :mod:`solvers.output`).

Units: nm, GPa, g/cm^3.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI

from meshing.rve import build_rve, fraction_departures
from solvers.case import Case
from solvers.hierarchy import LowerScale
from solvers.materials import Material
from solvers.homogenization import effective_stiffness
from solvers.local_fields import local_fields, phase_tags
from solvers.output import UNITS, read_summary, write_fields, write_json_atomic
from solvers.versions import software_versions

__all__ = ["run_case", "is_up_to_date", "resolve_materials"]

log = logging.getLogger("amorfem")


def is_up_to_date(case: Case, directory: str | Path) -> bool:
    """True when ``directory`` holds complete results of exactly this case."""
    directory = Path(directory)
    try:
        summary = read_summary(directory)
    except (FileNotFoundError, ValueError):
        return False
    return summary.get("case", {}).get("digest") == case.digest and all(
        (directory / name).exists() for name in summary.get("files", {}).values()
    )


def resolve_materials(case: Case, directory: Path, comm: MPI.Comm, force: bool = False) -> dict[str, Material]:
    """The case's materials, running (or reusing) every lower-scale case into ``directory/lower_scales``."""
    resolved = {}
    for phase, material in case.materials.items():
        if isinstance(material, LowerScale):
            lower_dir = directory / "lower_scales" / material.case.name
            log.info("%s: phase '%s' comes from case '%s'", case.name, phase, material.case.name)
            resolved[phase] = material.resolve(run_case(material.case, lower_dir, comm, force=force))
        else:
            resolved[phase] = material
    return resolved


def run_case(case: Case, directory: str | Path, comm: MPI.Comm = MPI.COMM_WORLD, force: bool = False) -> dict[str, Any]:
    """Mesh and solve a case and write its results folder.

    Parameters
    ----------
    case : Case
        Validated case.
    directory : path
        Results folder (created if needed).
    comm : MPI.Comm
        Communicator to run on.
    force : bool
        Recompute even when the folder already holds the results of this very case.

    Returns
    -------
    dict
        The summary (as written to ``summary.json``).
    """
    directory = Path(directory)
    up_to_date = comm.bcast(is_up_to_date(case, directory) if comm.rank == 0 else None, root=0)
    if up_to_date and not force:
        log.info("%s: results in %s are up to date (same inputs); nothing to do", case.name, directory)
        return read_summary(directory)
    if comm.rank == 0:
        directory.mkdir(parents=True, exist_ok=True)
    comm.barrier()
    start = MPI.Wtime()
    materials = resolve_materials(case, directory, comm, force)
    log.info("%s: meshing (%s)", case.name, case.geometry_kind)
    rve = build_rve(case.geometry, case.mesh, comm, msh_path=directory / "rve.msh")
    for phase, (meshed, exact) in fraction_departures(rve).items() if comm.rank == 0 else ():
        log.warning("%s: phase '%s' is meshed at a volume fraction of %.4f against %.4f exact (%+.1f %%); the stiffness "
                    "is that of the mesh: refine mesh.size or raise mesh.curvature_elements", case.name, phase, meshed,
                    exact, 100 * (meshed / exact - 1))
    log.info("%s: %s stiffness, P%d, %d ranks", case.name, case.bc, case.degree, comm.size)
    result = effective_stiffness(rve, materials, bc=case.bc, degree=case.degree, solver=case.solver)
    local = local_fields(rve, materials, result) if case.local_fields else None
    cells = {"phase": phase_tags(rve), **(local.cell_arrays if local else {})}
    if rve.cell_orientations is not None:
        cells["crystal_euler"] = rve.cell_orientations[: len(cells["phase"])]
    vtm = write_fields(directory, rve, result.fields, cells)
    timings = {"mesh": rve.mesh_seconds, **result.timings}
    timings["total"] = MPI.Wtime() - start
    summary: dict[str, Any] = {
        "units": UNITS,
        "case": {"name": case.name, "title": case.title, "digest": case.digest, "inputs": case.data},
        "geometry": {
            "kind": case.geometry_kind,
            "box": list(rve.box.lengths),
            "phases": rve.phases,
            "geometric_volume_fractions": rve.geometric_volume_fractions,
        },
        "materials": {phase: material.to_dict() for phase, material in materials.items()},
        "mesh": {
            "size": case.mesh.size,
            "phase_size": dict(case.mesh.phase_size),
            "cells": rve.mesh.topology.index_map(rve.dim).size_global,
            "vertices": rve.mesh.topology.index_map(0).size_global,
        },
        **result.to_dict(),
        "local_fields": None if local is None else {
            "load": "unit macroscopic strain" if case.bc != "subc" else "unit macroscopic stress (GPa)",
            "phase_averages": local.phase_averages,
        },
        "software": software_versions(),
        "files": {"summary": "summary.json", "mesh": "rve.msh", "fields": str(vtm.relative_to(directory))},
    }
    summary["timings"] = timings
    if comm.rank == 0:
        write_json_atomic(directory / "summary.json", summary)
        C = np.array(result.C)
        log.info("%s: C (GPa, Voigt %s) =\n%s", case.name, ", ".join(result.labels), np.array2string(C, precision=4))
    comm.barrier()
    return summary
