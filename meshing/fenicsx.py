"""The one place that loads the FEniCSx stack.

The ``dolfinx-solver-real`` wheel needs ``import dolfinx_solver`` before ``dolfinx`` or
``petsc4py`` are imported: it loads ``mpi4py.MPI`` first so that every compiled module binds to
the same MPI runtime, and refuses a foreign petsc4py. Every amorfem module that needs DOLFINx
or PETSc imports this module first; ``tests/test_import_boundaries.py`` keeps it that way.

It lives in ``meshing`` because meshing is the first layer that hands a mesh to DOLFINx; the
``meshing`` package itself imports without DOLFINx (only :mod:`meshing.rve` loads this module).
"""

import dolfinx_solver  # noqa: F401  (must precede dolfinx and petsc4py)
