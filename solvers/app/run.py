"""Run a case end to end: mesh, run its analysis, write the results folder (see :mod:`solvers.app.output`).

Nothing here knows which analysis runs: the case names a registered analysis, which returns a
summary, fields and a headline. A folder is reused when it holds complete results of the same
inputs computed by the same code (:func:`solvers.app.provenance.code_version`).
Units: nm, GPa, g/cm^3.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from mpi4py import MPI

import meshing.fenicsx  # noqa: F401  (the PETSc stack before petsc4py)
from meshing import build_body
from meshing.rve import fraction_departures
from petsc4py import PETSc
from solvers.analyses import AnalysisInputs
from solvers.app.case import Case
from solvers.app.hierarchy import LowerScale
from solvers.app.output import UNITS, read_summary, write_fields, write_json_atomic
from solvers.app.provenance import code_version, software_versions
from solvers.fe.body import owned_phase_tags
from solvers.micromechanics.materials import Material

__all__ = ["run_case", "is_up_to_date", "resolve_materials", "BodyCache"]

log = logging.getLogger("amorfem")


def is_up_to_date(case: Case, directory: str | Path) -> bool:
    """True when ``directory`` holds complete results of exactly this case, computed by this code."""
    directory = Path(directory)
    try:
        summary = read_summary(directory)
    except (FileNotFoundError, ValueError):
        return False
    return (
        summary.get("case", {}).get("digest") == case.digest
        and summary.get("code") == code_version()
        and all((directory / name).exists() for name in summary.get("files", {}).values())
    )


def _run_key(case: Case) -> str:
    """What a run's checkpoints must match: its inputs and the code that computes them."""
    return f"{case.digest}:{code_version()['source_sha256']}"


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


def _warn_fraction_departures(case: Case, body, comm: MPI.Comm) -> None:
    if comm.rank != 0 or not hasattr(body, "geometric_volume_fractions"):
        return
    for phase, (meshed, exact) in fraction_departures(body).items():
        log.warning("%s: phase '%s' is meshed at a volume fraction of %.4f against %.4f exact (%+.1f %%); the results "
                    "are those of the mesh: refine mesh.size or raise mesh.curvature_elements", case.name, phase, meshed,
                    exact, 100 * (meshed / exact - 1))


class BodyCache:
    """The last meshed body, for the next case with the same ``[geometry]`` and ``[mesh]`` on the
    same communicator (a study over materials or analysis settings meshes once)."""

    def __init__(self) -> None:
        self.key: str | None = None
        self.body = None
        self.msh: Path | None = None

    @staticmethod
    def key_of(case: Case, comm: MPI.Comm) -> str:
        import hashlib
        import json

        text = json.dumps({k: case.data.get(k) for k in ("geometry", "mesh")}, sort_keys=True, default=str)
        return f"{hashlib.sha256(text.encode()).hexdigest()}:{comm.py2f()}"

    def build(self, case: Case, comm: MPI.Comm, msh_path: Path) -> tuple[Any, bool]:
        """The body of ``case`` (meshed, or the cached one with its ``.msh`` copied to ``msh_path``); and whether it was reused."""
        import shutil

        key = self.key_of(case, comm)
        hit = key == self.key and self.body is not None and self.msh is not None
        hit = comm.bcast(hit and self.msh.exists() if comm.rank == 0 else None, root=0)  # one decision for all ranks
        if hit:
            if comm.rank == 0 and self.msh != msh_path:
                tmp = msh_path.with_name(f".{msh_path.name}.tmp")
                shutil.copyfile(self.msh, tmp)
                os.replace(tmp, msh_path)
            comm.barrier()
            return self.body, True
        self.key, self.body, self.msh = None, None, None
        body = build_body(case.geometry, case.mesh, comm, msh_path=msh_path)
        self.key, self.body, self.msh = key, body, msh_path
        return body, False


def run_case(case: Case, directory: str | Path, comm: MPI.Comm = MPI.COMM_WORLD, force: bool = False,
             bodies: BodyCache | None = None) -> dict[str, Any]:
    """Mesh a case, run its analysis and write its results folder.

    Parameters
    ----------
    case : Case
        Validated case.
    directory : path
        Results folder (created if needed).
    comm : MPI.Comm
        Communicator to run on.
    force : bool
        Recompute even when the folder already holds the results of this very case and code.
    bodies : BodyCache, optional
        Reuse the last body it meshed when this case has the same geometry and mesh.

    Returns
    -------
    dict
        The summary (as written to ``summary.json``).
    """
    directory = Path(directory)
    up_to_date = comm.bcast(is_up_to_date(case, directory) if comm.rank == 0 else None, root=0)
    if up_to_date and not force:
        log.info("%s: results in %s are up to date (same inputs, same code); nothing to do", case.name, directory)
        return read_summary(directory)
    if comm.rank == 0:
        directory.mkdir(parents=True, exist_ok=True)
    comm.barrier()
    start = MPI.Wtime()
    materials = resolve_materials(case, directory, comm, force)
    log.info("%s: meshing (%s)", case.name, case.geometry_kind)
    mesh_name = f"{getattr(case.geometry, 'body_kind', 'rve')}.msh"
    if bodies is not None:
        body, reused = bodies.build(case, comm, directory / mesh_name)
    else:
        body, reused = build_body(case.geometry, case.mesh, comm, msh_path=directory / mesh_name), False
    if reused:
        log.info("%s: the mesh of the previous case is reused (same geometry and mesh)", case.name)
    _warn_fraction_departures(case, body, comm)
    log.info("%s: %s analysis, P%d, %d ranks", case.name, case.analysis.name, case.degree, comm.size)
    result = case.analysis.run(AnalysisInputs(body=body, materials=materials, degree=case.degree, solver=case.solver,
                                              settings=case.settings, local_fields=case.local_fields,
                                              directory=directory, run_key=_run_key(case)))
    cells = {"phase": owned_phase_tags(body), **result.cell_fields}
    orientations = getattr(body, "cell_orientations", None)
    if orientations is not None:
        cells["crystal_euler"] = orientations[: len(cells["phase"])]
    vtm = write_fields(directory, body.mesh, result.point_fields, cells)
    PETSc.garbage_cleanup(body.mesh.comm)  # parallel PETSc objects Python dropped during the analysis
    summary: dict[str, Any] = {
        "units": UNITS,
        "case": {"name": case.name, "title": case.title, "digest": case.digest, "inputs": case.data},
        "code": code_version(),
        "analysis": {"type": case.analysis.name},
        "geometry": body.describe() | {"kind": case.geometry_kind},
        "materials": {phase: material.to_dict() for phase, material in materials.items()},
        "mesh": {
            "size": case.mesh.size,
            "phase_size": dict(case.mesh.phase_size),
            "cells": body.mesh.topology.index_map(body.dim).size_global,
            "vertices": body.mesh.topology.index_map(0).size_global,
        },
        **result.summary(),
        "software": software_versions(),
        "files": {"summary": "summary.json", "mesh": mesh_name, "fields": str(vtm.relative_to(directory))},
    }
    summary["timings"] = {"mesh": 0.0 if reused else body.mesh_seconds, **summary.get("timings", {}),
                          "total": MPI.Wtime() - start}
    if comm.rank == 0:
        write_json_atomic(directory / "summary.json", summary)
        log.info("%s: %s", case.name, result.headline())
    comm.barrier()
    return summary
