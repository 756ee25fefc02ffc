"""A finite specimen of phases with constitutive laws, loaded by a prescribed displacement.

The displacement ``u`` (vector Lagrange, plane strain in 2D) solves

    integral sigma(eps(u)) . eps(v) dx_q = 0     for all v vanishing where u is prescribed

by Newton (PETSc SNES, :class:`~solvers.fe.nonlinear_solver.NonlinearSolver`) with the laws'
consistent tangent (:class:`~solvers.fe.quadrature.QuadratureLaws`). The load is the
displacement ``delta`` of one boundary group along one axis (a grip, a loading pin); supports
hold other groups. The reaction force on the loaded group is the residual of the unconstrained
problem summed over its dofs along the load axis: exact for the discrete problem. Units: nm,
GPa; forces in GPa nm (= N/m, per unit thickness) in 2D and GPa nm^2 (= nN) in 3D.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import ufl
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
import dolfinx.fem.petsc
from dolfinx import fem
from petsc4py import PETSc

from solvers.fe.constitutive import ConstitutiveLaw
from solvers.fe.kinematics import voigt_strain
from solvers.fe.linear_solver import SolverDivergedError, SolverOptions
from solvers.fe.nonlinear_solver import NewtonOptions, NonlinearSolver
from solvers.fe.nullspace import rigid_body_modes
from solvers.fe.quadrature import QuadratureLaws, quadrature_degree

__all__ = ["Support", "SpecimenLoading", "SpecimenReport", "SpecimenProblem"]


@dataclass(frozen=True)
class Support:
    """Displacement components held at zero on a boundary group.

    Parameters
    ----------
    boundary : str
        Boundary group of the specimen ("ymin", "support_left", ...).
    components : tuple of int
        Displacement components held (0: x1, 1: x2, 2: x3).
    """

    boundary: str
    components: tuple[int, ...]


@dataclass(frozen=True)
class SpecimenLoading:
    """Where a specimen is held and where it is pulled.

    Parameters
    ----------
    load : str
        Boundary group that is displaced.
    axis : int
        Load axis; the loaded group moves by ``sign * delta`` along it.
    sign : float
        +1 (pull along +axis) or -1 (push).
    supports : tuple of Support
        Held components, including the loaded group's other components where they are held.
    """

    load: str
    axis: int
    sign: float
    supports: tuple[Support, ...]


@dataclass
class SpecimenReport:
    """How a displacement solve went (the fields :func:`~solvers.analyses.path_following.follow_path` reads)."""

    converged: bool
    iterations: int
    krylov: list[int] = field(default_factory=list)
    reason: str = ""
    seconds: dict[str, float] = field(default_factory=lambda: {"constitutive": 0.0, "solve": 0.0})


class SpecimenProblem:
    """Displacement-controlled specimen with constitutive laws at quadrature points.

    A displacement step that is linear (laws linear at fixed state) with MUMPS factorises once
    and then solves by CG preconditioned with that factorisation, until CG needs more than
    ``REFACTOR_AFTER`` iterations (then the next solve factorises again): phase-field passes
    change the operator only where the damage moves.

    Parameters
    ----------
    specimen : Specimen
        The meshed body (nm) with its boundary groups.
    laws : mapping of str to ConstitutiveLaw
        Law of every phase.
    loading : SpecimenLoading
    degree : int
        Lagrange degree of the displacement.
    solver : SolverOptions
        Linear solver of the Newton steps (MUMPS, or CG/GMRES + GAMG with the rigid-body near-null space).
    newton : NewtonOptions, optional
        Newton tolerances (its linear solver is ``solver``). Default: absolute residual 1e-11
        (GPa nm^dim), relative 1e-10, and relative step 1e-10: at 1e5 dofs the residual's roundoff
        floor is about 1e-11, so the step test is what ends Newton once ``u`` stops changing.
        When every law is linear at fixed state (damage without a split), one linear solve
        (SNES ``ksponly``) replaces Newton.
    """

    REFACTOR_AFTER = 25
    LOOSE_RTOL = 1e-6     # relative residual of an inexact linear step (see set_inexact)

    def __init__(self, specimen, laws: Mapping[str, ConstitutiveLaw], loading: SpecimenLoading, degree: int = 1,
                 solver: SolverOptions | None = None, newton: NewtonOptions | None = None) -> None:
        for name in {loading.load, *(s.boundary for s in loading.supports)}:
            specimen.facets_of(name)  # raises naming the boundary groups there are
        self.specimen, self.loading, self.degree = specimen, loading, degree
        mesh, dim = specimen.mesh, specimen.dim
        self.comm = mesh.comm
        self.V = fem.functionspace(mesh, ("Lagrange", degree, (dim,)))
        self.parent = self.V
        self.laws = QuadratureLaws(specimen, laws, quadrature_degree(degree))
        self.u = fem.Function(self.V, name="displacement")
        self._strain = self.laws.strain_expression(voigt_strain(self.u))
        v, du = ufl.TestFunction(self.V), ufl.TrialFunction(self.V)
        dx = self.laws.dx
        residual = ufl.dot(self.laws.stress, voigt_strain(v)) * dx
        jacobian = ufl.dot(ufl.dot(self.laws.tangent, voigt_strain(du)), voigt_strain(v)) * dx
        self._residual = fem.form(residual)
        self.delta = fem.Constant(mesh, 0.0)
        fdim = dim - 1
        mesh.topology.create_connectivity(fdim, dim)
        self.bcs = []
        for support in loading.supports:
            facets = specimen.facets_of(support.boundary)
            for c in support.components:
                dofs = fem.locate_dofs_topological(self.V.sub(c), fdim, facets)
                self.bcs.append(fem.dirichletbc(0.0, dofs, self.V.sub(c)))
        load_facets = specimen.facets_of(loading.load)
        self._load_dofs = fem.locate_dofs_topological(self.V.sub(loading.axis), fdim, load_facets)
        self.bcs.append(fem.dirichletbc(self.delta, self._load_dofs, self.V.sub(loading.axis)))
        linear = solver or SolverOptions(method="mumps")
        linear_laws = all(getattr(law, "linear_at_fixed_state", law.is_linear) for law in laws.values())
        self.linear_at_fixed_state = linear_laws
        options = replace(newton or NewtonOptions(method="ksponly" if linear_laws else "newtonls", atol=1e-11,
                                                  rtol=1e-10, stol=1e-10, max_iterations=25), linear=linear)
        # A linear step with MUMPS keeps its factorisation as the preconditioner of CG for the
        # next solves (the damage changes the operator only locally), and refactorises when CG
        # needs more than REFACTOR_AFTER iterations.
        self._lagged = options.method == "ksponly" and linear.is_direct
        if self._lagged:
            options = replace(options, petsc_options={"ksp_type": "cg", "ksp_norm_type": "unpreconditioned",
                                                      "ksp_rtol": 1e-10, "ksp_atol": 0.0,
                                                      "ksp_max_it": 4 * self.REFACTOR_AFTER, **options.petsc_options})
        self._evaluated: tuple[int, np.ndarray] | None = None
        self._newton = NonlinearSolver(residual, self.u, options, J=jacobian, bcs=self.bcs,
                                       before_assembly=self._evaluate, label="of the specimen displacement",
                                       lag_preconditioner=self._lagged)
        if not linear.is_direct:
            self._near = rigid_body_modes(self.V)
            self._newton.problem.A.setNearNullSpace(PETSc.NullSpace().create(vectors=self._near, comm=self.comm))
        else:
            self._near = []
        self._committed = self.u.x.array.copy()
        self._committed_delta = 0.0
        n_owned = self.V.dofmap.index_map.size_local * self.V.dofmap.index_map_bs
        self._owned_load_dofs = self._load_dofs[self._load_dofs < n_owned]
        self._point_volumes = _point_volumes(self)      # (owned cells, points), nm^dim

    # -- state ------------------------------------------------------------------------------------

    def _evaluate(self, tangent: bool = True) -> None:
        """The laws at the current ``u``; skipped when neither ``u`` nor the laws changed since the last
        evaluation (a linear step asks for the residual and the Jacobian at the same state).
        ``tangent=False``: see :meth:`QuadratureLaws.update`."""
        last = self._evaluated
        if last is not None and last[0] == self.laws.version and np.array_equal(last[1], self.u.x.array):
            return
        self.laws.update(self._strain, tangent=tangent)
        self._evaluated = (self.laws.version, self.u.x.array.copy())

    def reaction(self) -> float:
        """Force on the loaded group along the load axis, in the load's sense (GPa nm in 2D, GPa nm^2 in 3D)."""
        b = dolfinx.fem.petsc.assemble_vector(self._residual)
        b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        local = float(np.sum(b.getArray(readonly=True)[self._owned_load_dofs])) if self._owned_load_dofs.size else 0.0
        b.destroy()
        return self.loading.sign * self.comm.allreduce(local, op=MPI.SUM)

    def state_average(self, name: str) -> float:
        """Integral of a scalar state variable of the trial state over the body (nm^3 or nm^2 times its unit)."""
        total = 0.0
        volumes = self._point_volumes
        for group in self.laws.groups:
            values = group.trial.get(name)
            if values is None or not group.cells.size:
                continue
            owned = group.cells < volumes.shape[0]
            total += float(np.sum(volumes[group.cells[owned]] * values.reshape(group.cells.size, -1)[owned]))
        return self.comm.allreduce(total, op=MPI.SUM)

    # -- stepping -----------------------------------------------------------------------------------

    def solve(self, delta: float) -> SpecimenReport:
        """Newton from the current ``u`` with the loaded group at displacement ``sign * delta`` (nm)."""
        return self._solve(delta, evaluate=True)

    def _solve(self, delta: float, evaluate: bool) -> SpecimenReport:
        self.delta.value = self.loading.sign * float(delta)
        start = MPI.Wtime()
        report = SpecimenReport(converged=False, iterations=0)
        newton = self._newton
        for _ in range(2 if self._lagged else 1):
            setups = newton.preconditioner_setups
            try:
                report.iterations = newton.solve()
                report.converged = True
            except SolverDivergedError as exc:
                report.reason = str(exc)
            report.krylov.append(int(newton.snes.getLinearSolveIterations()))
            if not self._lagged:
                break
            if not report.converged or report.krylov[-1] > self.REFACTOR_AFTER:
                newton.refresh_preconditioner()  # the kept factorisation has gone stale
            if report.converged or newton.preconditioner_setups > setups:
                break
        report.seconds["solve"] = MPI.Wtime() - start
        if report.converged and evaluate:
            self._evaluate()  # the laws' trial state at the solution
        return report

    def set_inexact(self, inexact: bool) -> None:
        """Loose Krylov solves of the next linear steps (``LOOSE_RTOL`` of the whole right-hand side),
        e.g. while a phase-field pass still moves the damage, or full accuracy again (``False``);
        no effect on a Newton step (its solves are not linear steps)."""
        self._newton.rhs_rtol = self.LOOSE_RTOL if inexact else None

    @property
    def factorisations(self) -> int:
        """How many times the displacement preconditioner (factorisation) was built."""
        return self._newton.preconditioner_setups

    @property
    def load_displacement(self) -> float:
        """The loaded group's displacement ``delta`` of the current state, in the load's sense (nm)."""
        return self.loading.sign * float(self.delta.value)

    def solve_opening(self, opening: float, gauge) -> SpecimenReport:
        """The state at fixed laws whose gauge reads ``opening`` (nm), e.g. a crack-mouth opening.

        At fixed state the problem is linear, so ``u`` is the unit-displacement solution scaled
        by ``opening / gauge(u_1)``: one linear solve, and the load-point displacement follows.
        A gauge that does not grow with the load fails the step with the reason.

        Parameters
        ----------
        opening : float
            Target reading of the gauge (nm).
        gauge : CrackMouthGauge
            A linear functional of ``u`` (``value(u)``, nm).

        Raises
        ------
        ValueError
            When the laws are not linear at fixed state (a split without ``hybrid``).
        """
        if not self.linear_at_fixed_state:
            raise ValueError("opening control needs laws that are linear at fixed state (phase field with split='none' "
                             "or hybrid=true)")
        delta = self.load_displacement
        if delta != 0.0:
            self.u.x.array[:] /= delta  # the initial guess of the unit solve
        report = self._solve(1.0, evaluate=False)  # the laws are evaluated once, at the scaled state
        if not report.converged:
            return report
        unit = gauge.value(self.u)
        if not unit > 1e-12:
            report.converged = False
            report.reason = (f"the gauge does not open under the load ({unit:.3e} nm per nm of load-point "
                             "displacement): it cannot control this specimen")
            return report
        self.scale_load(float(opening) / unit)
        return report

    def scale_load(self, factor: float) -> None:
        """Scale the current state's load, ``u`` and ``delta``, by ``factor`` (laws linear at fixed state:
        the tangent stays)."""
        if not self.linear_at_fixed_state:
            raise ValueError("scaling the load needs laws that are linear at fixed state")
        self.u.x.array[:] *= factor
        self.delta.value = float(self.delta.value) * factor
        self._evaluate(tangent=False)

    def commit(self) -> None:
        """Accept the current state."""
        self.laws.commit()
        self._committed = self.u.x.array.copy()
        self._committed_delta = float(self.delta.value)

    def restore(self) -> None:
        """Go back to the last committed state."""
        self.laws.restore()
        self.u.x.array[:] = self._committed
        self.delta.value = self._committed_delta

    def committed_arrays(self) -> dict[str, np.ndarray]:
        """A copy of the committed displacement (local array, ``u``)."""
        return {"u": self._committed.copy()}

    def predict(self, previous: Mapping[str, np.ndarray] | None, ratio: float) -> None:
        """Extrapolate ``u`` linearly through the committed state (``ratio`` = new step / last step)."""
        if previous is None or ratio <= 0:
            return
        self.u.x.array[:] = self._committed + ratio * (self._committed - previous["u"])

    def save_arrays(self) -> dict[str, np.ndarray]:
        """This rank's committed state for a checkpoint: ``u``, ``delta`` and every law group's state."""
        return {**self.committed_arrays(), "load_displacement": np.array([self._committed_delta]),
                **self.laws.state_arrays()}

    def load_arrays(self, arrays: Mapping[str, np.ndarray]) -> None:
        """Set the committed state from :meth:`save_arrays` output (same mesh, same ranks)."""
        self.u.x.array[:] = arrays["u"]
        if "load_displacement" in arrays:
            self.delta.value = float(arrays["load_displacement"][0])
        self.laws.load_state_arrays(arrays)
        self._evaluate()
        self.commit()

    def displacement(self) -> fem.Function:
        """The committed displacement (nm)."""
        u = fem.Function(self.V, name="displacement")
        u.x.array[:] = self._committed
        return u

    def destroy(self) -> None:
        """Free the Newton's options."""
        self._newton.destroy()
        for v in self._near:
            v.destroy()


def _point_volumes(problem: SpecimenProblem) -> np.ndarray:
    from solvers.fe.body import owned_cell_volumes

    w = problem.laws.weights / problem.laws.weights.sum()
    return owned_cell_volumes(problem.specimen.mesh)[:, None] * w[None, :]


def loading_of(specimen, kind: str) -> SpecimenLoading:
    """The standard loading of a specimen kind.

    ``"tension"`` (SENT): pulled normal to its notch, clamped grips. A notch along x1 (cut from
    an x face): the ``ymax`` face pulled along x2 against the ``ymin`` face, both held along x1;
    a notch along x2 (cut from a y face): the ``xmax`` face pulled along x1 against the ``xmin``
    face, both held along x2. ``"bending"`` (three-point bending): the ``load`` patch pushed
    down along x2, ``support_left`` pinned (x1, x2), ``support_right`` on a roller (x2).
    In 3D the x3 displacement of the grips (or the pins) is held too.
    """
    extra: Sequence[int] = (2,) if specimen.dim == 3 else ()
    if kind == "tension":
        notches = getattr(specimen.geometry, "notches", ())
        axis = 0 if notches and notches[0].axis == 1 else 1     # normal to the notch
        across = 1 - axis
        low, high = f"{'xy'[axis]}min", f"{'xy'[axis]}max"
        return SpecimenLoading(load=high, axis=axis, sign=1.0,
                               supports=(Support(low, (0, 1, *extra)), Support(high, (across, *extra))))
    if kind == "bending":
        return SpecimenLoading(load="load", axis=1, sign=-1.0,
                               supports=(Support("support_left", (0, 1, *extra)), Support("support_right", (1,))))
    raise ValueError(f"specimen loading={kind!r} is not known; allowed: tension, bending")
