"""Newton for a periodic RVE of inelastic phases under mixed macroscopic control, condensed.

Unknowns: the periodic fluctuation ``w`` and the free macroscopic strain components ``xi_F``
(:class:`~solvers.fe.macro_control.MacroControl`); the controlled ones are set for the step.
Residuals: ``R(v) = integral sigma(E + eps(w)) . eps(v)`` and the free stresses
``g_k = d_k . <sigma> - target_k``. One Newton iteration (the monolithic Newton, condensed onto
the small dense system of the free components, so that it stays quadratic):

    K_t dw_R = -R,   K_t W_k = -B_k      (1 + n_free right-hand sides, one preconditioner)
    S dxi_F = -g - B~ . dw_R / V,  S_jk = (d_j . <C_t> . d_k + B~_j . W_k / V)
    dw = dw_R + sum_k dxi_k W_k

with ``B_k = integral eps(v) . C_t . d_k``, ``B~_j = integral eps(v) . C_t^T . d_j`` (the
tangent is not symmetric for non-associated flow) and ``<C_t>`` the volume average of the
consistent tangent. Convergence: ``|R| <= force_tolerance F`` with ``F`` the larger of the
nodal forces of the current stress on the unconstrained space and ``|f_1| |E|`` (``f_1``: the
largest elastic nodal-force vector of a unit macro strain), and ``|g| <= stress_tolerance S`` with ``S``
the larger of ``|Sigma|`` and ``|C_R E|`` (``C_R``: the Reuss average of the phases' elastic
stiffnesses, a lower bound of the intact RVE's), so that the free stresses are held to the
same absolute accuracy after a crack has taken the stress away.
A linear solve that fails ends the iteration as not converged, so that the step is cut. Macro averages are
the quadrature sums of the residual's own rule, so they are exact for the discrete problem.
Units: nm, GPa.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import ufl
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
import dolfinx.fem.petsc
from dolfinx import fem
from petsc4py import PETSc

from solvers.fe.body import owned_cell_volumes
from solvers.fe.bordered import BorderedSystem
from solvers.fe.connectivity import check_one_piece
from solvers.fe.fields import vtk_symmetric
from solvers.fe.constitutive import ConstitutiveLaw, has_symmetric_tangent
from solvers.fe.kinematics import voigt_strain
from solvers.fe.linear_solver import LinearSolver, SolverDivergedError, SolverOptions
from solvers.fe.macro_control import MacroControl
from solvers.fe.newton import NewtonReport, NewtonSettings, forcing_term
from solvers.fe.periodic import periodic_space
from solvers.fe.quadrature import QuadratureLaws, quadrature_degree
from solvers.micromechanics.invariants import von_mises_voigt
from solvers.micromechanics.voigt import tensor_from_voigt

__all__ = ["NewtonSettings", "NewtonReport", "MacroStrainProblem"]

log = logging.getLogger("amorfem.solvers")


class MacroStrainProblem:
    """A periodic RVE of phases with constitutive laws, driven by a mixed macroscopic control.

    Parameters
    ----------
    rve : RVE
        Periodic cell (nm).
    laws : mapping of str to ConstitutiveLaw
        Law of every phase.
    control : MacroControl
    degree : int
        Lagrange degree of the displacement.
    solver : SolverOptions
        Linear solver of the Newton steps (CG/GMRES + GAMG, or MUMPS).
    newton : NewtonSettings
    """

    def __init__(self, rve, laws: Mapping[str, ConstitutiveLaw], control: MacroControl, degree: int = 1,
                 solver: SolverOptions | None = None, newton: NewtonSettings | None = None) -> None:
        if control.dim != rve.dim:
            raise ValueError(f"the control is {control.dim}D but the RVE is {rve.dim}D")
        self.rve, self.control, self.degree = rve, control, degree
        self.newton = newton or NewtonSettings()
        self.solver_options = solver or SolverOptions(rtol=1e-10)
        mesh, comm = rve.mesh, rve.comm
        self.comm = comm
        V = fem.functionspace(mesh, ("Lagrange", degree, (rve.dim,)))
        self.parent = V
        self.periodic = periodic_space(V, rve.box)
        W = self.periodic.space
        check_one_piece(rve, W)
        self.laws = QuadratureLaws(rve, laws, quadrature_degree(degree))
        self.symmetric = all(has_symmetric_tangent(law) for law in laws.values())
        self.E = fem.Constant(mesh, np.zeros(6))
        self.w = fem.Function(W, name="fluctuation")
        self._strain = self.laws.strain_expression(self.E + voigt_strain(self.w))
        dx = self.laws.dx
        v, du = ufl.TestFunction(W), ufl.TrialFunction(W)
        self._direction = fem.Constant(mesh, np.zeros(6))
        self._residual = fem.form(ufl.dot(self.laws.stress, voigt_strain(v)) * dx)
        self._tangent = fem.form(ufl.dot(ufl.dot(self.laws.tangent, voigt_strain(du)), voigt_strain(v)) * dx)
        self._coupling = fem.form(ufl.dot(ufl.dot(self.laws.tangent, self._direction), voigt_strain(v)) * dx)
        self._coupling_transposed = fem.form(ufl.dot(ufl.dot(ufl.transpose(self.laws.tangent), self._direction),
                                                     voigt_strain(v)) * dx)
        # The Jacobian and coupling forms share one packed coefficient (the tangent) per iteration.
        if any(len(f._cpp_object.coefficients) != 1 for f in (self._tangent, self._coupling, self._coupling_transposed)):
            raise RuntimeError("the tangent and coupling forms must have the tangent as their only coefficient")
        # The nodal forces of the current stress on the unconstrained space: their size is the
        # scale of the equilibrium residual (residual stresses included, after unloading too).
        self._forces = fem.form(ufl.dot(self.laws.stress, voigt_strain(ufl.TestFunction(V))) * dx)
        self.xi = np.zeros(6)
        self._committed = (self.w.x.array.copy(), self.xi.copy())
        self._modes = self.periodic.translations()
        self._near = self.periodic.near_null_modes()
        self.A = dolfinx.fem.petsc.create_matrix(self._tangent)
        self._linear: LinearSolver | None = None
        self._border: BorderedSystem | None = None
        self._schur_baseline: int | None = None
        self._last_border_iterations = 0
        num_owned = mesh.topology.index_map(rve.dim).size_local
        self._owned_dofs = self.laws.stress.function_space.dofmap.list[:num_owned]
        w_q = self.laws.weights / self.laws.weights.sum()
        self._point_volumes = owned_cell_volumes(mesh)[:, None] * w_q[None, :]        # (owned cells, points)
        self.load_scale = self._elastic_load_scale()
        self._reuss = self._reuss_stiffness()
        self._solutions: list[PETSc.Vec] = []
        self._vectors: dict[tuple, PETSc.Vec] = {}

    # -- averages over the RVE (quadrature sums, owned cells) -------------------------------------

    def _average(self, values: np.ndarray) -> np.ndarray:
        """Volume average of quadrature values ``(points total, ...)`` of the stress space layout."""
        per_point = values.reshape(-1, *values.shape[1:])[self._owned_dofs]           # (cells, points, ...)
        local = np.einsum("cq,cq...->...", self._point_volumes, per_point)
        return self.comm.allreduce(local, op=MPI.SUM) / self.rve.volume

    def macro_stress(self) -> np.ndarray:
        """Volume-average Voigt stress of the current state (GPa)."""
        return self._average(self.laws.stress.x.array.reshape(-1, 6))

    def macro_tangent(self) -> np.ndarray:
        """Volume average of the consistent tangent (GPa), 6x6."""
        return self._average(self.laws.tangent.x.array.reshape(-1, 6, 6))

    def state_average(self, name: str) -> float:
        """Volume average of a scalar state variable of the trial state (0 where a law has none)."""
        total = 0.0
        for group in self.laws.groups:
            values = group.trial.get(name)
            if values is None or not group.cells.size:
                continue
            per_cell = values.reshape(group.cells.size, -1)
            owned = group.cells < self._point_volumes.shape[0]
            total += float(np.sum(self._point_volumes[group.cells[owned]] * per_cell[owned]))
        return self.comm.allreduce(total, op=MPI.SUM) / self.rve.volume

    def elastic_energy(self) -> float:
        """Volume average of the elastic energy density ``sigma . S . sigma / 2`` of the current state (GPa)."""
        stress = self.laws.stress.x.array.reshape(-1, 6)
        total = 0.0
        for group in self.laws.groups:
            if not group.cells.size:
                continue
            owned = group.cells[group.cells < self._point_volumes.shape[0]]
            s = stress[self.laws.stress.function_space.dofmap.list[owned]]            # (cells, points, 6)
            compliance = np.linalg.inv(group.law.elastic_stiffness())
            density = 0.5 * np.einsum("cqi,ij,cqj->cq", s, compliance, s)
            total += float(np.sum(self._point_volumes[owned] * density))
        return self.comm.allreduce(total, op=MPI.SUM) / self.rve.volume

    def cell_stress_state(self) -> dict[str, np.ndarray]:
        """Cell averages over the owned cells of the current stress, for viewing: ``von_mises``
        (GPa, float32) and ``stress`` (VTK symmetric tensor order, GPa)."""
        laws = self.laws
        num_owned = self.rve.mesh.topology.index_map(self.rve.dim).size_local
        w = laws.weights / laws.weights.sum()
        stress = laws.stress.x.array.reshape(-1, 6)[laws.stress.function_space.dofmap.list[:num_owned]]
        return {"von_mises": np.einsum("q,cq->c", w, von_mises_voigt(stress)).astype(np.float32),
                "stress": vtk_symmetric(np.einsum("q,cqi->ci", w, stress), engineering=False)}

    # -- assembly -----------------------------------------------------------------------------------

    def _evaluate(self) -> None:
        self.E.value[:] = self.control.strain(self.xi)
        self.w.x.scatter_forward()
        self.laws.update(self._strain)

    def _assemble_vector(self, form: fem.Form, slot: tuple | None = None, coeffs=None) -> PETSc.Vec:
        """Assemble ``form``; with a ``slot``, into a vector kept for that slot (not to be destroyed).

        ``coeffs``: the form's packed coefficients, when already packed (the tangent, shared by
        the coupling forms of one iteration).
        """
        if slot is None:
            b = dolfinx.fem.petsc.assemble_vector(form, coeffs=coeffs)
        else:
            b = self._vectors.get(slot)
            if b is None:
                b = self._vectors[slot] = dolfinx.fem.petsc.create_vector(form.function_spaces[0])
            with b.localForm() as local:
                local.set(0.0)
            dolfinx.fem.petsc.assemble_vector(b, form, coeffs=coeffs)
        b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        return b

    def _force_scale(self) -> float:
        """Scale of the equilibrium residual: the nodal forces of the current stress, or of the macro strain."""
        forces = self._assemble_vector(self._forces, slot=("forces",))
        return max(forces.norm(), self.load_scale * float(np.abs(self.E.value).max()), 1e-300)

    def _elastic_load_scale(self) -> float:
        """Largest norm of the nodal forces of a unit macro strain on the elastic phases.

        Taken on the unconstrained space, where they are the tractions on the cell's faces (on
        the periodic space they cancel for a homogeneous cell), so the scale never vanishes.
        """
        self.xi[:] = 0.0
        self._evaluate()
        v = ufl.TestFunction(self.parent)
        forces = fem.form(ufl.dot(ufl.dot(self.laws.tangent, self._direction), voigt_strain(v)) * self.laws.dx)
        largest = 0.0
        for k in self.control.active:
            self._direction.value[:] = self.control.basis[:, k]
            b = self._assemble_vector(forces)
            largest = max(largest, b.norm())
            b.destroy()
        self.laws.restore()
        return largest

    def _reuss_stiffness(self) -> np.ndarray:
        """``<S>^-1``: the inverse volume average of the phases' elastic compliances (GPa), 6x6."""
        compliance = np.zeros((6, 6))
        for group in self.laws.groups:
            owned = group.cells[group.cells < self._point_volumes.shape[0]]
            weight = float(self._point_volumes[owned].sum()) if owned.size else 0.0
            compliance += weight * np.linalg.inv(group.law.elastic_stiffness())
        compliance = self.comm.allreduce(compliance, op=MPI.SUM) / self.rve.volume
        return np.linalg.inv(compliance)

    def _assemble_tangent(self, coeffs=None) -> None:
        self.A.zeroEntries()
        dolfinx.fem.petsc.assemble_matrix(self.A, self._tangent, coeffs=coeffs)
        self.A.assemble()
        self.A.setNullSpace(PETSc.NullSpace().create(vectors=self._modes, comm=self.comm))
        self.A.setNearNullSpace(PETSc.NullSpace().create(vectors=self._near, comm=self.comm))

    def _solver(self, first_of_step: bool) -> LinearSolver:
        if self._linear is None:
            self._linear = LinearSolver(self.A, self.solver_options, null_space_dimension=len(self._modes),
                                        label="the RVE tangent", symmetric=self.symmetric)
            self._linear.setup()
            self._linear.warm_start(True)
        else:
            self._linear.set_operator(self.A, reuse_preconditioner=not first_of_step)
        return self._linear

    # -- Newton -------------------------------------------------------------------------------------

    def converged_stress(self, stress: np.ndarray) -> float:
        """The largest free-stress error of a lab macro stress against the targets (GPa)."""
        frame = self.control.frame_stress(stress)
        free = list(self.control.free)
        return float(np.abs(frame[free] - self.control.target_vector()).max()) if free else 0.0

    def solve(self, controlled: np.ndarray) -> NewtonReport:
        """Newton from the current state with the controlled frame strains set to ``controlled``.

        The state is left at the last iterate (``commit`` or ``restore`` it).
        """
        control = self.control
        free = list(control.free)
        self.xi[list(control.controlled)] = controlled
        report = NewtonReport(converged=False, iterations=0)
        targets = control.target_vector()
        D = control.basis
        force_scale = None
        for iteration in range(self.newton.max_iterations + 1):
            start = MPI.Wtime()
            try:
                self._evaluate()
            except (RuntimeError, FloatingPointError) as exc:
                report.reason = f"constitutive update failed: {exc}"
                return report
            report.seconds["constitutive"] += MPI.Wtime() - start
            start = MPI.Wtime()
            R = self._assemble_vector(self._residual, slot=("residual",))
            stress = self.macro_stress()
            g = control.frame_stress(stress)[free] - targets if free else np.zeros(0)
            r_norm = R.norm()
            # The force scale of the current stress costs an assembly: taken at the step's first
            # iteration and again only when the residual is within 10x of passing (so that the
            # decision always uses the current scale).
            if force_scale is None or r_norm <= 10 * self.newton.force_tolerance * force_scale:
                force_scale = self._force_scale()
            report.seconds["assembly"] += MPI.Wtime() - start
            force_target = self.newton.force_tolerance * force_scale
            force_ok = r_norm <= force_target
            stress_scale = max(float(np.abs(stress).max()), float(np.abs(self._reuss @ self.E.value).max()), 1e-12)
            stress_ok = (not free) or np.abs(g).max() <= self.newton.stress_tolerance * stress_scale
            report.residuals.append(r_norm)
            report.stress_residuals.append(float(np.abs(g).max()) if free else 0.0)
            if not np.isfinite(r_norm) or not np.all(np.isfinite(stress)):
                report.reason = "non-finite residual"
                return report
            if force_ok and stress_ok:
                report.converged = True
                report.iterations = iteration
                return report
            if iteration == self.newton.max_iterations:
                report.reason = (f"no convergence in {iteration} iterations (residual {r_norm:.3e}, "
                                 f"free stress {report.stress_residuals[-1]:.3e} GPa)")
                report.iterations = iteration
                return report
            start = MPI.Wtime()
            # The tangent is the only coefficient of the Jacobian and of the coupling forms: packed once.
            packed = dolfinx.fem.pack_coefficients(self._coupling)
            self._assemble_tangent(coeffs=packed)
            couplings, transposed = [], []
            for k in free:
                self._direction.value[:] = D[:, k]
                couplings.append(self._assemble_vector(self._coupling, slot=("coupling", k), coeffs=packed))
                transposed.append(couplings[-1] if self.symmetric else
                                  self._assemble_vector(self._coupling_transposed, slot=("transposed", k), coeffs=packed))
            C_avg = self.macro_tangent()
            report.seconds["assembly"] += MPI.Wtime() - start
            start = MPI.Wtime()
            rtol = forcing_term(report.residuals, self.solver_options.rtol)
            try:
                if self.solver_options.is_direct:
                    dw, d_xi, krylov = self._condensed(R, g, couplings, transposed, C_avg, first_of_step=iteration == 0)
                else:
                    dw, d_xi, krylov = self._bordered(R, g, couplings, transposed, C_avg, rtol, force_target,
                                                      first_of_step=iteration == 0)
            except SolverDivergedError as exc:  # the step is cut and tried again smaller
                report.reason = str(exc)
                report.iterations = iteration
                return report
            report.krylov.append(krylov)
            report.seconds["solve"] += MPI.Wtime() - start
            self.w.x.petsc_vec.axpy(1.0, dw)
            self.xi[free] += d_xi
            dw.destroy()
        return report

    def _condensed(self, R, g, couplings, transposed, C_avg, first_of_step: bool) -> tuple[PETSc.Vec, np.ndarray, int]:
        """Direct solver: 1 + n_free solves with one factorisation, then the dense Schur system."""
        free, D, volume = list(self.control.free), self.control.basis, self.rve.volume
        linear = self._solver(first_of_step)
        solutions = self._solution_vectors(1 + len(free))
        R.scale(-1.0)
        linear.solve(R, solutions[0], label="Newton residual")
        R.scale(-1.0)
        for k, B in enumerate(couplings):
            B.scale(-1.0)
            linear.solve(B, solutions[1 + k], label=f"Newton free component {self.control.labels[free[k]]}")
            B.scale(-1.0)
        d_xi = np.zeros(0)
        if free:
            S = np.array([[D[:, j] @ C_avg @ D[:, k] + transposed[a].dot(solutions[1 + b]) / volume
                           for b, k in enumerate(free)] for a, j in enumerate(free)])
            rhs = -g - np.array([transposed[a].dot(solutions[0]) / volume for a in range(len(free))])
            d_xi = np.linalg.solve(S, rhs)
        dw = solutions[0].copy()
        for b, value in enumerate(d_xi):
            dw.axpy(value, solutions[1 + b])
        return dw, d_xi, 1 + len(free)

    def _bordered(self, R, g, couplings, transposed, C_avg, rtol: float, target: float,
                  first_of_step: bool) -> tuple[PETSc.Vec, np.ndarray, int]:
        """Iterative solver: one FGMRES solve of the bordered system (:mod:`solvers.fe.bordered`).

        No need to solve beyond what Newton's own tolerance asks of the residual: ``target`` is
        that tolerance (``force_tolerance`` times the force scale of this iteration).

        Multigrid is set up again on the tangent of each step's first iteration (its
        interpolation kept). The border's Schur matrix ``S^`` is kept across iterations and steps
        while it still works: recomputed when the last solve took more than 1.5x + 2 the
        iterations of the first solve after the last refresh, and at once when a solve with a
        kept ``S^`` fails. Measured at 45k dofs, 20 steps, 2 ranks: 30 % fewer Krylov iterations
        than a refresh at every step; keeping the multigrid across steps as well cost 20 % more
        iterations than its set-ups saved.
        """
        free, D, volume = list(self.control.free), self.control.basis, self.rve.volume
        block = np.array([[volume * D[:, j] @ C_avg @ D[:, k] for k in free] for j in free]).reshape(len(free), len(free))
        if self._border is None:
            self._border = BorderedSystem(self.A, len(free), self.solver_options, symmetric=self.symmetric)
            self._schur_baseline = None
            first_of_step = True
        self._border.update(self.A, couplings, transposed, block, rebuild=first_of_step)
        refreshed = bool(free) and self._schur_stale()
        iterations = self._refresh_schur() if refreshed else 0
        R.scale(-1.0)
        try:
            try:
                dw, d_xi, solve_iterations = self._border.solve(R, -volume * g, rtol, label="Newton step",
                                                                atol=0.3 * target, enough=target)
            except SolverDivergedError:
                if refreshed or not free:
                    raise
                iterations += self._refresh_schur()
                refreshed = True
                dw, d_xi, solve_iterations = self._border.solve(R, -volume * g, rtol, label="Newton step",
                                                                atol=0.3 * target, enough=target)
        finally:
            R.scale(-1.0)
        if refreshed:
            self._schur_baseline = solve_iterations
        self._last_border_iterations = solve_iterations
        return dw, d_xi, iterations + solve_iterations

    def _schur_stale(self) -> bool:
        """Whether the border's Schur matrix must be recomputed before this solve."""
        if self._schur_baseline is None:
            return True
        return self._last_border_iterations > 1.5 * self._schur_baseline + 2

    def _refresh_schur(self) -> int:
        # Columns to 1e-2: S^ only preconditions; measured (45k dofs, 20 steps) to keep the
        # FGMRES iterations of columns to 1e-3 with 28 % fewer Krylov iterations in all.
        return self._border.refresh_schur(rtol=1e-2)

    def _solution_vectors(self, count: int) -> list[PETSc.Vec]:
        """Kept between iterations: the previous solutions are the Krylov initial guesses."""
        while len(self._solutions) < count:
            self._solutions.append(self.A.createVecRight())
        for v in self._solutions[count:]:
            v.destroy()
        del self._solutions[count:]
        self._solutions[0].zeroEntries()  # the residual correction starts from zero at every iteration
        return self._solutions

    def scale_load(self, factor: float) -> None:
        """Scale the current state, fluctuation and frame strains, by ``factor`` (laws linear at fixed state)."""
        self.w.x.array[:] *= factor
        self.xi[:] *= factor
        self._evaluate()

    def commit(self) -> None:
        """Accept the current state (end of a converged step)."""
        self.laws.commit()
        self._committed = (self.w.x.array.copy(), self.xi.copy())

    def restore(self) -> None:
        """Go back to the last committed state (a step that is cut)."""
        self.laws.restore()
        self.w.x.array[:] = self._committed[0]
        self.xi[:] = self._committed[1]

    def predict(self, previous: Mapping[str, np.ndarray] | None, ratio: float) -> None:
        """Extrapolate the unknowns linearly from ``previous`` (:meth:`committed_arrays` of the
        step before) through the committed state (``ratio`` = new step / last step)."""
        if previous is None or ratio <= 0:
            return
        w_now, xi_now = self._committed
        self.w.x.array[:] = w_now + ratio * (w_now - previous["w"])
        free = list(self.control.free)
        self.xi[free] = xi_now[free] + ratio * (xi_now[free] - previous["xi"][free])

    def committed_arrays(self) -> dict[str, np.ndarray]:
        """Copies of the committed fluctuation (local array, ``w``) and frame strains (``xi``)."""
        return {"w": self._committed[0].copy(), "xi": self._committed[1].copy()}

    def solve_to(self, t: float) -> NewtonReport:
        """Newton for the step to pseudo-time ``t`` of the control's path (see :meth:`solve`)."""
        return self.solve(self.control.controlled_at(t))

    def save_arrays(self) -> dict[str, np.ndarray]:
        """This rank's committed state for a checkpoint: ``w``, ``xi`` and every law group's state."""
        return {**self.committed_arrays(), **self.laws.state_arrays()}

    def load_arrays(self, arrays: Mapping[str, np.ndarray]) -> None:
        """Set the committed state from :meth:`save_arrays` output (same mesh, same ranks)."""
        self.w.x.array[:] = arrays["w"]
        self.xi[:] = arrays["xi"]
        self.laws.load_state_arrays(arrays)
        self._evaluate()
        self.commit()

    def displacement(self) -> fem.Function:
        """The total displacement ``E.x + w`` of the committed state on the parent space (nm)."""
        w = self.periodic.prolong(self.w, fem.Function(self.parent))
        dim = self.rve.dim
        tensor = tensor_from_voigt(self.control.strain(self._committed[1]), engineering=True)[:dim, :dim]
        x = self.parent.tabulate_dof_coordinates()[:, :dim]
        u = fem.Function(self.parent, name="displacement")
        u.x.array[:] = (x @ tensor.T).ravel() + w.x.array
        return u

    def destroy(self) -> None:
        """Free PETSc objects."""
        if self._linear is not None:
            self._linear.destroy()
        if self._border is not None:
            self._border.destroy()
        for v in self._solutions + self._modes + self._near + list(self._vectors.values()):
            v.destroy()
        self.A.destroy()
