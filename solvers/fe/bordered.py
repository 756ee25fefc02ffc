"""A sparse operator bordered by a few dense rows and columns, solved by one Krylov solve.

The Newton system of a periodic RVE with free macroscopic strains (:mod:`solvers.fe.macro_newton`)
is

    [ K    B ] [dw]   [r_w]
    [ B~^T D ] [dx] = [r_x]

with ``K`` the sparse tangent of the fluctuation, ``B`` and ``B~`` its couplings to the ``m``
free macroscopic strains (``m`` <= 6 columns) and ``D`` a small dense block. Instead of ``1 + m``
solves with ``K`` (condensation), flexible GMRES solves the whole system once, preconditioned
(on the right) by the block-triangular ``[[K^, B], [0, S^]]``: algebraic multigrid for ``K``
and a fixed ``m x m`` Schur matrix ``S^ = D - B~^T K^-1 B``, computed from ``m`` solves with
``K`` (warm-started from the previous ones) and kept while it still preconditions well (the
caller decides when to refresh it; :mod:`solvers.fe.macro_newton` does when its solves slow
down). (``S^ = D`` alone is not enough: in a plastic state the true Schur matrix is tens of
times softer, and GMRES was measured to stagnate with it.)
The border's rows live on rank 0. Units: those of the blocks.
"""

from __future__ import annotations

import itertools

import numpy as np
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
from petsc4py import PETSc

from solvers.fe.linear_solver import SolverDivergedError, SolverOptions, converged_reason

__all__ = ["BorderedSystem"]

_counter = itertools.count()


class _Operator:
    """Shell matrix context: ``y = [K x_w + B x_x, B~^T x_w + D x_x]``."""

    def __init__(self, system: BorderedSystem) -> None:
        self.system = system

    def mult(self, mat, x: PETSc.Vec, y: PETSc.Vec) -> None:
        s = self.system
        s.split(x, s._x_w)
        border = s.border_values(x)
        s.K.mult(s._x_w, s._y_w)
        for k, B in enumerate(s.B):
            s._y_w.axpy(border[k], B)
        rows = np.array([Bt.dot(s._x_w) for Bt in s.Bt]) + s.D @ border
        s.join(s._y_w, rows, y)


class _Preconditioner:
    """Shell preconditioner context: the block-triangular inverse ``[[K^, B], [0, S^]]^-1``."""

    def __init__(self, system: BorderedSystem) -> None:
        self.system = system

    def apply(self, pc, r: PETSc.Vec, z: PETSc.Vec) -> None:
        s = self.system
        s.split(r, s._x_w)
        border = s.S_inverse @ s.border_values(r)
        for k, B in enumerate(s.B):
            s._x_w.axpy(-border[k], B)
        s.inner.apply(s._x_w, s._y_w)
        s.join(s._y_w, border, z)


class BorderedSystem:
    """The bordered Newton system of a fluctuation and ``m`` free macroscopic unknowns.

    Parameters
    ----------
    K : petsc4py.PETSc.Mat
        The sparse block, with its null space (rigid translations) and near-null space attached.
    size : int
        ``m``, the number of border rows and columns.
    options : SolverOptions
        Iterative options (GAMG levels, iteration cap) of the inner preconditioner.
    symmetric : bool
        Whether ``K`` is symmetric (chooses its smoother's Krylov method).
    """

    def __init__(self, K: PETSc.Mat, size: int, options: SolverOptions, symmetric: bool = True) -> None:
        self.K, self.size, self.options = K, size, options
        self.comm: MPI.Comm = K.getComm().tompi4py()
        self.B: list[PETSc.Vec] = []
        self.Bt: list[PETSc.Vec] = []
        self.D = np.zeros((size, size))
        self.S_inverse = np.eye(size)
        self._x_w, self._y_w = K.createVecRight(), K.createVecLeft()
        n_local = self._x_w.getLocalSize()
        self._n = n_local
        extra = size if self.comm.rank == 0 else 0
        self._global = self._x_w.getSize() + size
        self.prefix = f"amorfem_bordered_{next(_counter)}_"
        self.inner = PETSc.PC().create(self.comm)
        self.inner.setOptionsPrefix(f"{self.prefix}inner_")
        self._keys = []
        db = PETSc.Options()
        inner = {key: value for key, value in options.petsc(symmetric).items() if key.startswith(("pc_", "mg_"))}
        # The tangent changes every step but its graph does not: rebuild only the Galerkin
        # coarse operators on the new tangent and keep the aggregates and prolongators.
        inner.setdefault("pc_gamg_reuse_interpolation", "true")
        for key, value in inner.items():
            db[f"{self.prefix}inner_{key}"] = value
            self._keys.append(f"{self.prefix}inner_{key}")
        self.inner.setFromOptions()
        self.inner.setOperators(K)
        self.inner_ksp = PETSc.KSP().create(self.comm)
        self.inner_ksp.setOptionsPrefix(f"{self.prefix}columns_")
        self.inner_ksp.setType("cg" if symmetric else "fgmres")
        self.inner_ksp.setPC(self.inner)
        self.inner_ksp.setInitialGuessNonzero(True)
        self._columns: list[PETSc.Vec] = []
        self.matrix = PETSc.Mat().createPython(((n_local + extra, self._global),) * 2, context=_Operator(self), comm=self.comm)
        self.matrix.setUp()
        self.ksp = PETSc.KSP().create(self.comm)
        self.ksp.setOperators(self.matrix)
        # Flexible GMRES: the multigrid preconditioner is not exactly the same linear map on every
        # application (its smoothers estimate their spectra on first use); plain GMRES was measured
        # to stagnate at 1e-3 relative on plastic tangents where FGMRES converges in 6-10 iterations.
        self.ksp.setType("fgmres")
        self.ksp.setGMRESRestart(200)
        self.ksp.setPCSide(PETSc.PC.Side.RIGHT)
        self.ksp.getPC().setType("python")
        self.ksp.getPC().setPythonContext(_Preconditioner(self))
        self.ksp.setTolerances(rtol=options.rtol, max_it=options.max_iterations)
        self.ksp.setInitialGuessNonzero(False)
        null = K.getNullSpace()
        self._null_vectors = [self._composite(v, np.zeros(size)) for v in null.getVecs()] if null is not None else []
        if self._null_vectors:
            self.matrix.setNullSpace(PETSc.NullSpace().create(vectors=self._null_vectors, comm=self.comm))
        self._rhs, self._solution = self.matrix.createVecLeft(), self.matrix.createVecRight()

    # -- composite vectors: the fluctuation's local part, then (rank 0) the border ----------------

    def split(self, z: PETSc.Vec, out: PETSc.Vec) -> None:
        """Copy the fluctuation part of a composite vector into ``out``."""
        out.getArray()[:] = z.getArray(readonly=True)[: self._n]

    def border_values(self, z: PETSc.Vec) -> np.ndarray:
        """The border part of a composite vector, on every rank."""
        values = np.array(z.getArray(readonly=True)[self._n:]) if self.comm.rank == 0 else None
        return self.comm.bcast(values, root=0)

    def join(self, w: PETSc.Vec, border: np.ndarray, z: PETSc.Vec) -> None:
        """Write a fluctuation part and a border into composite ``z``."""
        array = z.getArray()
        array[: self._n] = w.getArray(readonly=True)
        if self.comm.rank == 0:
            array[self._n:] = border

    def _composite(self, w: PETSc.Vec, border: np.ndarray) -> PETSc.Vec:
        z = PETSc.Vec().createMPI((self._n + (self.size if self.comm.rank == 0 else 0), self._global), comm=self.comm)
        self.join(w, border, z)
        norm = z.norm()
        if norm > 0:
            z.scale(1.0 / norm)
        return z

    # -- the Newton iteration ----------------------------------------------------------------------

    def update(self, K: PETSc.Mat, B: list[PETSc.Vec], Bt: list[PETSc.Vec], D: np.ndarray, rebuild: bool) -> None:
        """Set the blocks of this iteration; ``rebuild`` sets the multigrid up again on the new ``K``."""
        self.K, self.B, self.Bt, self.D = K, B, Bt, np.asarray(D, float)
        self.inner.setReusePreconditioner(not rebuild)
        self.inner.setOperators(K)
        if rebuild:
            self.inner.setUp()

    def refresh_schur(self, rtol: float, atol: float = 0.0) -> int:
        """Recompute ``S^ = D + B~^T W`` with ``K W_k = -B_k`` (the current blocks); returns the Krylov iterations.

        Raises
        ------
        SolverDivergedError
            When a column solve fails.
        """
        self.inner_ksp.setOperators(self.K)
        self.inner_ksp.setTolerances(rtol=rtol, atol=atol, max_it=self.options.max_iterations)
        null = self.K.getNullSpace()
        while len(self._columns) < self.size:
            self._columns.append(self.K.createVecRight())
        iterations = 0
        rhs = self.K.createVecLeft()
        for B, W in zip(self.B, self._columns, strict=True):
            B.copy(rhs)
            rhs.scale(-1.0)
            if null is not None:
                null.remove(rhs)
            self.inner_ksp.solve(rhs, W)
            reason = self.inner_ksp.getConvergedReason()
            if reason < 0:
                rhs.destroy()
                raise SolverDivergedError(f"Schur column solve did not converge: PETSc reason {converged_reason(reason)}")
            iterations += self.inner_ksp.getIterationNumber()
        rhs.destroy()
        S = self.D + np.array([[Bt.dot(W) for W in self._columns] for Bt in self.Bt])
        self.S_inverse = np.linalg.inv(S)
        return iterations

    def solve(self, r_w: PETSc.Vec, r_x: np.ndarray, rtol: float, label: str = "", atol: float = 0.0,
              enough: float = 0.0) -> tuple[PETSc.Vec, np.ndarray, int]:
        """Solve for ``(dw, dx)`` to ``max(rtol |r|, atol)``; returns a copy of ``dw``, ``dx`` (every rank)
        and the GMRES iterations.

        A solve that stops short of its tolerance (roundoff stagnation near ``atol``) is still
        accepted when its residual is below ``enough``: the caller's own convergence test decides.

        Raises
        ------
        SolverDivergedError
            With PETSc's reason when GMRES fails with a residual above ``enough``.
        """
        self.join(r_w, np.asarray(r_x, float), self._rhs)
        null = self.matrix.getNullSpace()
        if null is not None:
            null.remove(self._rhs)
        self.ksp.setTolerances(rtol=rtol, atol=atol)
        self._solution.zeroEntries()
        self.ksp.solve(self._rhs, self._solution)
        reason = self.ksp.getConvergedReason()
        if reason < 0 and not self.ksp.getResidualNorm() <= enough:
            raise SolverDivergedError(f"bordered solve {label} did not converge: PETSc reason {converged_reason(reason)} "
                                      f"after {self.ksp.getIterationNumber()} iterations (residual "
                                      f"{self.ksp.getResidualNorm():.3e})")
        if null is not None:
            null.remove(self._solution)
        dw = self.K.createVecRight()
        self.split(self._solution, dw)
        return dw, self.border_values(self._solution), self.ksp.getIterationNumber()

    def destroy(self) -> None:
        """Free PETSc objects and this system's options."""
        db = PETSc.Options()
        for key in self._keys:
            db.delValue(key)
        for obj in (self.ksp, self.inner_ksp, self.matrix, self.inner, self._x_w, self._y_w, self._rhs, self._solution,
                    *self._null_vectors, *self._columns):
            obj.destroy()
