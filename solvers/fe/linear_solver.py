"""Thin wrapper over a PETSc KSP: options by prefix, one setup, checked solves.

Every solve is checked: an iterative solve by PETSc's converged reason, a direct (MUMPS) solve by
its null pivots and by the normwise backward error of the returned vector,
``|b - A x| / (|A| |x| + |b|)`` in infinity norms (``preonly`` reports success whatever it
returns; the backward error, unlike the relative residual, stays at roundoff for a stable solve
of an ill-conditioned system: measured 3e-7 relative residual at 1e8 stiffness contrast).

Singular operators (periodic fluctuations: 3 rigid translations; static BCs: 6 rigid-body
modes; 2 and 3 in 2D) are solved iteratively as they are, with the null space removed from the
right-hand side. A direct solver cannot be trusted to find their null pivots: measured on a
laminate with a soft layer (P2), MUMPS reported 0 to 5 of the 6 rigid modes of a SUBC operator
depending on its threshold CNTL(3) and on the stiffness contrast (1e4, 1e6), and no threshold
counted right for every case. So for MUMPS the known null space is removed exactly: as many
dofs as its dimension are pinned (chosen by a pivoted QR of the null-space vectors, so the pinned
values determine the null-space component), the factorisation of that regular operator must show
no null pivot at all (``INFOG(28) = 0``), and the solution is projected back onto the complement
of the null space, as the iterative one is. A floating piece of mesh then shows as null pivots
or as a large true residual, and never passes as a particular solution.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import scipy.linalg

import meshing.fenicsx  # noqa: F401
from petsc4py import PETSc

from solvers.fe.deflation import Deflation

__all__ = ["SolverOptions", "LinearSolver", "SolverDivergedError", "NullSpaceMismatchError", "METHODS", "PRECONDITIONERS",
           "converged_reason"]

_KSP_REASONS = {getattr(PETSc.KSP.ConvergedReason, n): n for n in dir(PETSc.KSP.ConvergedReason) if n.isupper()}
_counter = itertools.count()

METHODS = ("cg-gamg", "mumps")
PRECONDITIONERS = ("auto", "multigrid", "layered")
#: Without declared thin features, "auto" takes the layered preconditioner from this contrast on.
LAYERED_CONTRAST = 100.0


def converged_reason(reason: int) -> str:
    """PETSc's name of a KSP converged reason."""
    return _KSP_REASONS.get(reason, str(reason))


class SolverDivergedError(RuntimeError):
    """A solve that did not converge; the message carries PETSc's reason."""


class NullSpaceMismatchError(SolverDivergedError):
    """A direct factorisation found more (or fewer) null pivots than the operator's known null space.

    Attributes
    ----------
    null_pivots : int
        ``INFOG(28)`` of MUMPS.
    expected : int
        Dimension of the known null space.
    """

    def __init__(self, message: str, null_pivots: int, expected: int) -> None:
        super().__init__(message)
        self.null_pivots = null_pivots
        self.expected = expected


@dataclass(frozen=True)
class SolverOptions:
    """Linear solver choice.

    Parameters
    ----------
    method : {"cg-gamg", "mumps"}
        Conjugate gradients with aggregation AMG (near-null space attached: plain aggregation,
        smoothed for the layered preconditioner and the P1 level under P2), or a direct MUMPS
        factorisation (best for small or very ill-conditioned problems).
    rtol : float
        Relative residual tolerance of CG, in (0, 1). Effective moduli come from an energy
        form whose error is quadratic in the solver error: measured on the sphere RVE (P1
        2.7e5 and P2 4.2e5 dofs, 2 ranks, against rtol 1e-11), rtol 1e-3, 1e-4, 1e-5, 1e-6 give
        max |C - C_ref| / max |C_ref| of 1.3e-6, 2e-8, 1.4e-10, 1e-12.
    max_iterations : int
        Krylov iteration cap.
    backward_error_tolerance : float
        Largest normwise backward error ``|b - A x| / (|A| |x| + |b|)`` (infinity norms) accepted
        from a direct solve, in (0, 1); a stable factorisation gives ~1e-15.
    petsc_options : mapping
        Extra PETSc options (without prefix), applied last.
    preconditioner : {"auto", "multigrid", "layered"}
        For "cg-gamg": "multigrid" is GAMG (or the p-multigrid below) with Chebyshev/Jacobi
        smoothing. "layered", for stiff bodies in soft layers or matrix, deflates the rigid-body
        modes of every stiff body (:mod:`solvers.fe.deflation`) and smooths the multigrid levels
        by additive Schwarz / incomplete Cholesky; it applies when some phase is at least
        10x stiffer than another (else it is "multigrid"). "auto" takes "layered" for bodies that
        declare thin features (layers, coatings, films) or whose stiffness contrast reaches
        :data:`LAYERED_CONTRAST`. Measured (``benchmarks/layered_preconditioners.py``, 3D nacre,
        P2, t/h = 1/10): at a contrast of 1e4 the iterations fall from 85 to 34 (45 with the
        smoothing alone, 64 with the deflation alone), and stay within 23-54 over contrasts
        10-1e4 and t/h 1/5-1/50; with 27 stiff spheres floating in a soft matrix (P1) from 76
        to 12, nearly all from the deflation.
    p_multigrid : bool
        For "cg-gamg" on a higher-order (P2, P3) operator whose caller provides a first-order
        level (:mod:`solvers.fe.p_multigrid`): a two-level method, Chebyshev/Jacobi on the
        P_k operator and one GAMG V-cycle on the P1 operator of the same mesh, instead of
        GAMG on P_k (measured: set-up 3.8x and the whole solve 1.9x faster on a P2 sphere).
        Likewise P1 on a uniformly refined RVE (:mod:`solvers.fe.h_multigrid`) over the mesh it
        was split from (1e6 dofs: solves 3x faster); not with the layered preconditioner.
    """

    method: str = "cg-gamg"
    rtol: float = 1e-6
    max_iterations: int = 2000
    backward_error_tolerance: float = 1e-10
    petsc_options: Mapping[str, str | int | float] = field(default_factory=dict)
    preconditioner: str = "auto"
    p_multigrid: bool = True

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"solver method='{self.method}' is not known; allowed: {', '.join(METHODS)}")
        if not (0 < self.rtol < 1):
            raise ValueError(f"solver rtol={self.rtol} is outside the allowed range (0, 1)")
        if not (isinstance(self.max_iterations, int) and self.max_iterations > 0):
            raise ValueError(f"solver max_iterations={self.max_iterations!r} must be a positive integer")
        if not (0 < self.backward_error_tolerance < 1):
            raise ValueError(f"solver backward_error_tolerance={self.backward_error_tolerance} is outside the allowed "
                             "range (0, 1)")
        if self.preconditioner not in PRECONDITIONERS:
            raise ValueError(f"solver preconditioner='{self.preconditioner}' is not known; allowed: {', '.join(PRECONDITIONERS)}")
        if not isinstance(self.p_multigrid, bool):
            raise ValueError(f"solver p_multigrid={self.p_multigrid!r} must be true or false")
        object.__setattr__(self, "petsc_options", MappingProxyType(dict(self.petsc_options)))

    def layered(self, thin_features: bool, contrast: float) -> bool:
        """Whether an iterative solve takes the layered preconditioner, for a body with or without
        thin features and with this stiffness contrast between its phases (max/min of |C|)."""
        if self.is_direct:
            return False
        automatic = thin_features or contrast >= LAYERED_CONTRAST
        return self.preconditioner == "layered" or (self.preconditioner == "auto" and automatic)

    @property
    def is_direct(self) -> bool:
        """True for a direct factorisation (``preonly``)."""
        return self.method == "mumps"

    def petsc(self, symmetric: bool = True, two_level: bool = False, layered: bool = False) -> dict[str, str | int | float]:
        """PETSc options for this choice (without prefix); a non-symmetric operator gets GMRES instead of CG.

        With ``two_level`` (an iterative method with a coarse level given), the multigrid
        options of the method move to the coarse level (prefix ``mg_coarse_``) and the fine
        level is smoothed by two Chebyshev/Jacobi sweeps (Gauss-Seidel for a non-symmetric operator).
        With ``layered`` (thin, soft layers: see ``preconditioner``), the multigrid levels are
        smoothed by additive Schwarz with incomplete Cholesky blocks, which follow the strong
        couplings across a thin layer that Jacobi misses, and Chebyshev takes a safer upper
        eigenvalue bound (30 estimation steps, x1.3: with the default x1.1 the smoother was
        indefinite at a contrast of 1e4).
        """
        if self.method == "mumps":
            options: dict[str, str | int | float] = {
                "ksp_type": "preonly",
                "pc_type": "lu",
                "pc_factor_mat_solver_type": "mumps",
                # Detect null pivots: the (pinned, regular) operator must have none.
                "mat_mumps_icntl_24": 1,
            }
        else:
            options = {
                "ksp_type": "cg",
                "ksp_rtol": self.rtol,
                "ksp_max_it": self.max_iterations,
                "pc_type": "gamg",
                "pc_gamg_type": "agg",
                # Plain aggregation: at 1.08e6 P1 dofs (2 ranks) set-up 4.0 s against 14.3 s smoothed,
                # peak memory per rank -45 %, solves 28.1 s against 18.3 s (README: sphere at 1e6
                # dofs). Coarse levels and the layered preconditioner keep the smoothed one.
                "pc_gamg_agg_nsmooths": 0,
                # Keep every graph edge: with 0.01 the smoothed coarse levels of the P1 sphere filled
                # up (1e6 dofs: set-up 27.0 s against 11.7-15.9 s; sphere_1e6.json). Coarse levels keep 0.01.
                "pc_gamg_threshold": 0.0,
                "mg_levels_ksp_type": "chebyshev",
                "mg_levels_pc_type": "jacobi",
                # The coarsest operator keeps the rigid translations of the periodic cell, so it is
                # singular: a pivot-shifted LU returns null-space components of size 1e16 that
                # wreck the Krylov basis (measured: FGMRES residual 1e-3 -> 3e5 in one iteration).
                # Its pseudo-inverse (SVD, a few hundred unknowns at most) has none.
                "mg_coarse_sub_pc_type": "svd",
            }
            if layered and symmetric:
                # The layered table (benchmarks/results/layered_preconditioners.json) was measured
                # with a threshold of 0.01.
                options.update(pc_gamg_agg_nsmooths=1, pc_gamg_threshold=0.01, mg_levels_pc_type="asm",
                               mg_levels_pc_asm_type="basic",
                               mg_levels_sub_pc_type="icc",
                               mg_levels_sub_pc_factor_shift_type="positive_definite",
                               mg_levels_ksp_chebyshev_esteig="0,0.1,0,1.3", mg_levels_esteig_ksp_max_it=30,
                               # The smoother is symmetric: Lanczos (CG) bounds its spectrum where the
                               # default GMRES estimate fell short (measured: 3D nacre, t/h = 1/50,
                               # contrast 100, DIVERGED_INDEFINITE_PC even at a safety factor of 2).
                               mg_levels_esteig_ksp_type="cg")
            if not symmetric:
                # Chebyshev smoothing assumes a real, positive spectrum; a non-symmetric tangent
                # (non-associated flow) gets Gauss-Seidel sweeps, a stationary (linear) smoother.
                options.update(ksp_type="gmres", ksp_gmres_restart=200, mg_levels_ksp_type="richardson",
                               mg_levels_pc_type="sor", mg_levels_ksp_max_it=2)
            if two_level:
                krylov = {key: options.pop(key) for key in list(options) if key.startswith("ksp_")}
                smoother = {"mg_levels_ksp_type": options["mg_levels_ksp_type"],
                            "mg_levels_pc_type": "sor" if options["mg_levels_pc_type"] == "sor" else "jacobi"}
                # P2 sphere, 1e6 dofs, 2 ranks, rtol 1e-3: a threshold of 0.01 on the P1 level
                # took 6 iterations per load case, 0 took 7-8 (one run each; 27.1 s against 29.7 s).
                options.update(pc_gamg_threshold=0.01, pc_gamg_agg_nsmooths=1)
                options = {**krylov, **smoother, "pc_type": "mg", "pc_mg_levels": 2, "pc_mg_type": "multiplicative",
                           "mg_levels_ksp_max_it": 2, "mg_coarse_ksp_type": "preonly",
                           **{f"mg_coarse_{key}": value for key, value in options.items()}}
        options.update(self.petsc_options)
        return options


def pinned_rows(null_space: PETSc.NullSpace, candidates_per_mode: int = 4) -> np.ndarray:
    """Global rows that fix the component of a vector in ``null_space`` when pinned to zero.

    Candidates are the rows where each null-space vector is largest on each rank; a pivoted QR
    of the null-space values there picks as many rows as the null space has vectors, so that the
    restricted null-space matrix is as well conditioned as the candidates allow.

    Raises
    ------
    SolverDivergedError
        When no choice of candidate rows determines the null-space component.
    """
    vectors = null_space.getVecs()
    comm = vectors[0].getComm().tompi4py()
    start = vectors[0].getOwnershipRange()[0]
    values = np.column_stack([v.getArray(readonly=True) for v in vectors])
    local = set()
    for k in range(values.shape[1]):
        local.update(np.argsort(-np.abs(values[:, k]))[:candidates_per_mode].tolist())
    rows = np.array(sorted(local), dtype=np.int64)
    gathered = comm.allgather((rows + start, values[rows]))
    candidate_rows = np.concatenate([g[0] for g in gathered])
    candidate_values = np.concatenate([g[1] for g in gathered])
    _, _, pivots = scipy.linalg.qr(candidate_values.T, pivoting=True)
    chosen = pivots[: values.shape[1]]
    restricted = candidate_values[chosen]
    singular = np.linalg.svd(restricted, compute_uv=False)
    if singular.min() <= 1e-8 * singular.max():
        raise SolverDivergedError("could not choose dofs that fix the null space of the operator "
                                  f"(singular values of the restriction {singular})")
    return np.sort(candidate_rows[chosen])


class LinearSolver:
    """A KSP for one operator, set up once and reused for every right-hand side.

    Parameters
    ----------
    A : petsc4py.PETSc.Mat
        Operator. Its null space, if any, is attached by the caller (``A.setNullSpace``) and is
        removed from every right-hand side and solution.
    options : SolverOptions
    null_space_dimension : int
        Dimension of the operator's exact null space (0 for a non-singular operator); it must
        match the null space attached to ``A``.
    label : str
        What the operator is, for error messages.
    symmetric : bool
        False for a non-symmetric operator (GMRES instead of CG).
    coarse : tuple of (petsc4py.PETSc.Mat, petsc4py.PETSc.Mat), optional
        A coarse operator and the coarse -> fine interpolation (:mod:`solvers.fe.p_multigrid`):
        with an iterative method and ``options.p_multigrid``, a two-level preconditioner whose
        coarse level runs the method's multigrid. Ignored by a direct solve.
    deflation : petsc4py.PETSc.Mat, optional
        A deflation space (:func:`solvers.fe.deflation.rigid_body_space`): with an iterative
        method, its modes are solved for exactly and the multigrid preconditioner is deflated
        (:class:`solvers.fe.deflation.Deflation`). Ignored by a direct solve.
    single_operator : bool
        The operator never changes (:meth:`set_operator` refuses): the matrix products of the
        set-up (GAMG's Galerkin coarse operators) drop the data PETSc keeps to redo them for a new
        operator. On 2 ranks that data is most of what GAMG keeps (measured, P1 sphere, 2.4e5
        dofs: 370 MB per rank against 157 MB for the whole hierarchy on one rank); a serial
        product keeps none.
    """

    def __init__(self, A: PETSc.Mat, options: SolverOptions, null_space_dimension: int = 0, label: str = "",
                 symmetric: bool = True, coarse: tuple[PETSc.Mat, PETSc.Mat] | None = None,
                 deflation: PETSc.Mat | None = None, single_operator: bool = False) -> None:
        self.single_operator = single_operator
        self.prefix = f"amorfem_{next(_counter)}_"
        self.options = options
        self.A = A
        self.label = label
        self.null_space = A.getNullSpace() if null_space_dimension else None
        if null_space_dimension and (self.null_space is None or len(self.null_space.getVecs()) != null_space_dimension):
            raise ValueError(f"{label or 'the operator'}: a null space of dimension {null_space_dimension} must be "
                             "attached to the matrix (A.setNullSpace)")
        self._pinned = pinned_rows(self.null_space) if options.is_direct and self.null_space is not None else None
        self._operator = self._regular(A)
        self.ksp = PETSc.KSP().create(A.getComm())
        self.ksp.setOperators(self._operator)
        self.ksp.setOptionsPrefix(self.prefix)
        two_level = coarse is not None and options.p_multigrid and not options.is_direct
        petsc_options = options.petsc(symmetric, two_level, layered=deflation is not None and not options.is_direct)
        self.deflation: Deflation | None = None
        pc = self.ksp.getPC()
        inner_prefix = self.prefix
        if deflation is not None and not options.is_direct:
            # The multigrid becomes the inner preconditioner of the deflation (its own prefix).
            inner_prefix = f"{self.prefix}inner_"
            inner = PETSc.PC().create(A.getComm())
            inner.setOperators(self._operator)
            inner.setOptionsPrefix(inner_prefix)
            self.deflation = Deflation(deflation, inner)
            pc.setType("python")
            pc.setPythonContext(self.deflation)
            pc = inner
        self._keys = []
        db = PETSc.Options()
        for key, value in petsc_options.items():
            name = f"{self.prefix if key.startswith('ksp_') else inner_prefix}{key}"
            db[name] = value
            self._keys.append(name)
        if two_level:
            coarse_operator, interpolation = coarse
            pc.setType("mg")
            pc.setMGLevels(2)
            pc.setMGInterpolation(1, interpolation)
            pc.getMGCoarseSolve().setOperators(coarse_operator)
        self.two_level = two_level
        if self.deflation is not None:
            pc.setFromOptions()
        self.ksp.setFromOptions()
        self._work: PETSc.Vec | None = None
        self._A_norm: float | None = None

    def _regular(self, A: PETSc.Mat) -> PETSc.Mat:
        """``A`` itself, or for a direct solve of a singular ``A`` its copy with the null space pinned."""
        if self._pinned is None:
            return A
        operator = A.duplicate(copy=True)
        operator.zeroRowsColumns(self._pinned.astype(PETSc.IntType), diag=1.0)
        return operator

    def set_operator(self, A: PETSc.Mat, reuse_preconditioner: bool = False) -> None:
        """Solve with a new operator of the same layout (a Newton tangent), set up again.

        Parameters
        ----------
        A : petsc4py.PETSc.Mat
            The new operator (its null space attached as for the first).
        reuse_preconditioner : bool
            Keep the preconditioner built for an earlier operator (iterative methods only: the
            Krylov method then converges on ``A`` with a preconditioner of a nearby operator).
        """
        if self.two_level or self.deflation is not None or self.single_operator:
            raise ValueError(f"{self.label or 'the operator'}: a two-level, deflated or single-operator solver keeps "
                             "what it built for its operator; build a new solver for a new operator")
        if self._operator is not self.A:
            self._operator.destroy()
        self.A = A
        self._A_norm = None
        self._operator = self._regular(A)
        reuse = reuse_preconditioner and not self.options.is_direct
        self.ksp.getPC().setReusePreconditioner(reuse)
        self.ksp.setOperators(self._operator)
        if not reuse:
            self.setup()

    def set_tolerance(self, rtol: float) -> None:
        """Relative tolerance of the next iterative solves (a Newton forcing term); direct solves ignore it."""
        if not self.options.is_direct:
            self.ksp.setTolerances(rtol=rtol)

    def warm_start(self, enabled: bool) -> None:
        """Start each Krylov solve from the vector passed in (a previous solution) instead of zero."""
        if not self.options.is_direct:
            self.ksp.setInitialGuessNonzero(enabled)

    def setup(self) -> None:
        """Build the preconditioner (AMG hierarchy or factorisation) and check a factorisation.

        The options stay in PETSc's database until :meth:`destroy`: the multigrid levels read
        theirs (``mg_levels_*``) whenever a hierarchy is built, which a new operator does again.

        Raises
        ------
        NullSpaceMismatchError
            When MUMPS finds null pivots in the (pinned) operator: it is singular beyond its known
            null space.
        SolverDivergedError
            When the factorisation fails.
        """
        db = PETSc.Options()
        # Products are unprefixed: the option is set for this set-up only.
        clear = self.single_operator and not self.options.is_direct and not db.hasName("mat_product_clear")
        if clear:
            db["mat_product_clear"] = True
        try:
            self.ksp.setUp()
        except PETSc.Error as exc:
            raise SolverDivergedError(f"setting up the {self.options.method} solver for {self.label or 'the operator'} "
                                      f"failed: {exc}") from exc
        finally:
            if clear:
                db.delValue("mat_product_clear")
        if self.options.is_direct:
            self._check_factorisation()

    def _check_factorisation(self) -> None:
        factor = self.ksp.getPC().getFactorMatrix()
        status = factor.getMumpsInfog(1)
        if status < 0:
            raise SolverDivergedError(f"MUMPS factorisation of {self.label or 'the operator'} failed: INFOG(1) = {status}, "
                                      f"INFOG(2) = {factor.getMumpsInfog(2)}")
        if factor.getMumpsIcntl(24) != 1:
            return
        pivots = factor.getMumpsInfog(28)
        known = 0 if self.null_space is None else len(self.null_space.getVecs())
        if pivots != 0:
            raise NullSpaceMismatchError(
                f"MUMPS found {pivots} null pivot(s) in {self.label or 'the operator'} beyond its {known} known rigid "
                "mode(s) (pinned): part of the mesh is not tied to the rest (a floating, disconnected phase) "
                "or a phase has no stiffness",
                pivots + known, known,
            )

    def solve(self, b: PETSc.Vec, x: PETSc.Vec, label: str = "") -> int:
        """Solve ``A x = b``; return the iteration count.

        Raises
        ------
        SolverDivergedError
            With PETSc's converged reason when an iterative solve fails, or with the true
            residual when a direct solve returns a vector that does not solve the system.
        """
        if self.null_space is not None:
            self.null_space.remove(b)
        rhs = b
        if self._pinned is not None:
            rhs = self._work_vector(b)
            b.copy(rhs)
            rhs.setValues(self._pinned.astype(PETSc.IntType), np.zeros(self._pinned.size))
            rhs.assemble()
        if self.deflation is not None:
            self.deflation.initial_guess(rhs, x)
            self.ksp.setInitialGuessNonzero(True)
        self.ksp.solve(rhs, x)
        reason = self.ksp.getConvergedReason()
        iterations = self.ksp.getIterationNumber()
        if reason < 0:
            raise SolverDivergedError(
                f"linear solve {label} did not converge: PETSc reason {converged_reason(reason)} "
                f"after {iterations} iterations (residual {self.ksp.getResidualNorm():.3e})"
            )
        if self.null_space is not None:
            self.null_space.remove(x)
        if self.options.is_direct:
            self._check_residual(b, x, label)
        return iterations

    def _work_vector(self, like: PETSc.Vec) -> PETSc.Vec:
        if self._work is None:
            self._work = like.duplicate()
        return self._work

    def _check_residual(self, b: PETSc.Vec, x: PETSc.Vec, label: str) -> None:
        r = self._work_vector(b)
        self.A.mult(x, r)
        r.aypx(-1.0, b)
        inf = PETSc.NormType.INFINITY
        if self._A_norm is None:
            self._A_norm = self.A.norm(inf)
        scale = self._A_norm * x.norm(inf) + b.norm(inf)
        error = r.norm(inf) / scale if scale > 0 else r.norm(inf)
        if not error <= self.options.backward_error_tolerance:
            raise SolverDivergedError(
                f"direct solve {label} returned a vector that does not solve the system: backward error "
                f"|b - A x| / (|A| |x| + |b|) = {error:.3e} > {self.options.backward_error_tolerance:.1e} (a singular "
                "operator with a load outside its range, or a null space that was not declared)"
            )

    def destroy(self) -> None:
        """Free the KSP, the pinned copy of the operator and work vectors, and this solver's options."""
        db = PETSc.Options()
        for key in self._keys:
            db.delValue(key)
        self.ksp.destroy()
        if self._operator is not self.A:
            self._operator.destroy()
        if self._work is not None:
            self._work.destroy()
