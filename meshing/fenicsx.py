"""The one place that loads the FEniCSx stack, and sets NumPy's BLAS to one thread per process.

The ``dolfinx-solver-real`` wheel needs ``import dolfinx_solver`` before ``dolfinx`` or
``petsc4py`` are imported: it loads ``mpi4py.MPI`` first so that every compiled module binds to
the same MPI runtime, and refuses a foreign petsc4py. Every amorfem module that needs DOLFINx
or PETSc imports this module first; ``tests/test_import_boundaries.py`` keeps it that way.

NumPy's OpenBLAS starts one thread per core in every process. Under ``mpirun -n N`` the ranks
already occupy the cores, and the (n, 6) x (6, 6) products of the constitutive laws at the
quadrature points are too small to share: two ranks with two BLAS threads each ran the nacre
beam's phase-field law about 10 times slower than with one thread each (measured, 2 cores).
So the BLAS pool is limited to one thread here, unless the user set ``OPENBLAS_NUM_THREADS``,
``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS``. PETSc's own OpenBLAS is single-threaded already.

It lives in ``meshing`` because meshing is the first layer that hands a mesh to DOLFINx; the
``meshing`` package itself imports without DOLFINx (only :mod:`meshing.rve` loads this module).
"""

import os

import dolfinx_solver  # noqa: F401  (must precede dolfinx and petsc4py)
import threadpoolctl

#: Environment variables by which a user chooses the BLAS threads themselves.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

if not any(name in os.environ for name in THREAD_VARIABLES):
    threadpoolctl.threadpool_limits(limits=1, user_api="blas")
