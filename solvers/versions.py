"""Versions of the software stack, for every results file."""

from __future__ import annotations

import platform
from importlib import metadata

import numpy

import meshing.fenicsx  # noqa: F401
import dolfinx
from mpi4py import MPI
from petsc4py import PETSc

__all__ = ["software_versions"]


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
