"""Where a result comes from: the software stack and the exact amorfem source that computed it.

A results folder is reused only when both its inputs and the code that produced it are the same:
:func:`code_version` is the package version plus a SHA-256 of every Python source file of the
packages that compute results (``meshing`` and ``solvers``), so a bug fix invalidates every stored
result, and a change to the pictures (``postprocess``) does not.
"""

from __future__ import annotations

import functools
import hashlib
import platform
from importlib import metadata
from pathlib import Path

import numpy

import meshing.fenicsx  # noqa: F401
import dolfinx
from mpi4py import MPI
from petsc4py import PETSc

__all__ = ["software_versions", "code_version", "SOURCE_PACKAGES"]

#: Packages whose source determines the numbers in a results folder.
SOURCE_PACKAGES = ("meshing", "solvers")

_ROOT = Path(__file__).resolve().parents[2]


def software_versions() -> dict[str, str]:
    """Versions of amorfem, Python, DOLFINx, PETSc, MPI, gmsh and NumPy."""
    return {
        "amorfem": metadata.version("amorfem"),
        "python": platform.python_version(),
        "dolfinx": dolfinx.__version__,
        "petsc": ".".join(str(v) for v in PETSc.Sys.getVersion()),
        "mpi": MPI.Get_library_version().splitlines()[0].strip(),
        "gmsh": metadata.version("gmsh"),
        "numpy": numpy.__version__,
    }


@functools.cache
def source_digest(root: Path = _ROOT, packages: tuple[str, ...] = SOURCE_PACKAGES) -> str:
    """SHA-256 over the relative path and bytes of every ``.py`` file of ``packages`` under ``root``."""
    digest = hashlib.sha256()
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def code_version() -> dict[str, str]:
    """``{"amorfem": package version, "source_sha256": digest of the computing source}``."""
    return {"amorfem": metadata.version("amorfem"), "source_sha256": source_digest()}
