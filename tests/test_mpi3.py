"""Three ranks (``mpirun -n 3 python -m pytest -m mpi3``): an odd partition, folds across ranks.

With three ranks a max-face node and its min-face master are owned by different ranks somewhere,
so the periodic fold must cross rank boundaries; the stiffness must still equal the serial one.
"""

import numpy as np
import pytest
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
from dolfinx import fem

from meshing import MeshSettings, inclusions
from solvers.analyses.stiffness import effective_stiffness
from solvers.fe.linear_solver import SolverOptions
from solvers.fe.periodic import periodic_space

pytestmark = [
    pytest.mark.mpi3,
    pytest.mark.skipif(MPI.COMM_WORLD.size != 3, reason="needs mpirun -n 3"),
]

COMM = MPI.COMM_WORLD


def _rve(comm):
    return inclusions(0.2, (10.0, 10.0, 10.0), MeshSettings(size=1.5), center=(3.0, 4.0, 9.5), comm=comm)


def test_folds_cross_ranks_and_the_stiffness_equals_the_serial_one(soft_matrix, stiff_inclusion):
    materials = {"matrix": soft_matrix, "inclusion": stiff_inclusion}
    rve = _rve(COMM)
    V = fem.functionspace(rve.mesh, ("Lagrange", 2, (3,)))
    remote = COMM.allreduce(periodic_space(V, rve.box).remote_folds())
    assert remote > 0
    parallel = effective_stiffness(rve, materials, degree=2, solver=SolverOptions(rtol=1e-9)).C
    serial = effective_stiffness(_rve(MPI.COMM_SELF), materials, degree=2, solver=SolverOptions(rtol=1e-9)).C \
        if COMM.rank == 0 else None
    serial = COMM.bcast(serial, root=0)
    assert np.abs(parallel - serial).max() < 1e-8 * np.abs(serial).max()
