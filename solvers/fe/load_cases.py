"""Unit load cases of a cell problem on one assembled operator, and the energy that gives the moduli.

Every load case (a unit macroscopic strain ``E_J``, or a unit stress for SUBC) is solved with
the same operator ``A`` and preconditioner. The moduli come from the energy, which is
stationary at the exact solution, so its error is quadratic in the solver error:
``C_IJ = (E_I . <C> . E_J + w_I . f_J + w_J . f_I + w_I . A w_J) / V`` with ``f_J`` the load of
``E_J`` and ``<C>`` the volume integral of the stiffness (nm^3 GPa); SUBC uses the stationary
complementary energy. Units: nm, GPa.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

import meshing.fenicsx  # noqa: F401
import dolfinx.fem.petsc
from dolfinx import fem
from petsc4py import PETSc

from solvers.fe.cell_problem import CellProblem
from solvers.fe.linear_solver import LinearSolver
from solvers.micromechanics.voigt import unit_strain_tensor

__all__ = ["SolvedLoadCases", "solve_load_cases", "energy_matrix", "residual_bound", "nodal_affine_norms"]

log = logging.getLogger("amorfem.solvers")


def _assembled(form: fem.Form, dirichlet) -> PETSc.Vec:
    b = dolfinx.fem.petsc.assemble_vector(form)
    b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
    dolfinx.fem.petsc.set_bc(b, dirichlet)
    return b


@dataclass
class SolvedLoadCases:
    """Unknowns ``x_J`` (nm), loads ``f_J`` and actions ``A x_J`` of every load case, with Krylov iterations."""

    unknowns: list[PETSc.Vec]
    loads: list[PETSc.Vec]
    actions: list[PETSc.Vec]
    iterations: list[int]

    def destroy(self) -> None:
        """Free every vector."""
        for vectors in (self.unknowns, self.loads, self.actions):
            for vec in vectors:
                vec.destroy()


def solve_load_cases(problem: CellProblem, A: PETSc.Mat, linear: LinearSolver, load: fem.Form,
                     value: fem.Constant, directions: np.ndarray, labels: tuple[str, ...]) -> SolvedLoadCases:
    """Solve ``A x = -f(E_J)`` (strain-driven) or ``A x = f(Sigma_J)`` (stress-driven) for every load case.

    ``load`` is the linear form of the load with the Voigt 6-vector ``value`` set to each row
    of ``directions`` in turn (unit strain, or unit stress in GPa).
    """
    sign = -1.0 if problem.strain_driven else 1.0
    solved = SolvedLoadCases([], [], [], [])
    for direction, label in zip(directions, labels, strict=True):
        value.value[:] = direction
        f = _assembled(load, problem.dirichlet)
        b = f.copy()
        b.scale(sign)
        x = dolfinx.fem.petsc.create_vector(problem.space)
        solved.iterations.append(linear.solve(b, x, label=f"{problem.bc} {label}"))
        if problem.dirichlet:
            dolfinx.fem.petsc.set_bc(x, problem.dirichlet)  # exactly zero on the boundary
        x.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)
        Ax = A.createVecLeft()
        A.mult(x, Ax)
        solved.unknowns.append(x)
        solved.loads.append(f)
        solved.actions.append(Ax)
        b.destroy()
        log.info("load case %s: %d iterations", label, solved.iterations[-1])
    return solved


def energy_matrix(solved: SolvedLoadCases, loads_6: np.ndarray, C_integral: np.ndarray, volume: float,
                  strain_driven: bool) -> np.ndarray:
    """The energy matrix (not yet symmetrized, GPa; GPa^-1 for SUBC): ``C_IJ`` for strain-driven
    loads, ``S_IJ`` for stress-driven ones. ``volume`` in nm^3 (nm^2 in 2D)."""
    n = len(solved.unknowns)
    x, f, Ax = solved.unknowns, solved.loads, solved.actions
    work = np.array([[x[I].dot(f[J]) for J in range(n)] for I in range(n)])
    stored = np.array([[x[I].dot(Ax[J]) for J in range(n)] for I in range(n)])
    if strain_driven:
        return (loads_6 @ C_integral @ loads_6.T + work + work.T + stored) / volume
    return (work + work.T - stored) / volume


def residual_bound(solved: SolvedLoadCases, partners: list[float], volume: float, strain_driven: bool) -> np.ndarray:
    """``|x_I| |r_J| / V`` (strain-driven) or ``|E_I.x| |r_J| / V`` (stress-driven), the Hill defect allowance (GPa)."""
    sign = 1.0 if strain_driven else -1.0
    norms = []
    for f, Ax in zip(solved.loads, solved.actions, strict=True):
        r = Ax.copy()
        r.axpy(sign, f)
        norms.append(r.norm())
        r.destroy()
    return np.outer(partners, norms) / volume


def nodal_affine_norms(V: fem.FunctionSpace, labels: tuple[str, ...], dim: int) -> list[float]:
    """Norms (nm) of the nodal vectors of the affine fields ``E_I . x`` (SUBC's Hill bound), without interpolation."""
    num_owned = V.dofmap.index_map.size_local
    x = V.tabulate_dof_coordinates()[:num_owned, :dim]
    norms = []
    for component in range(len(labels)):
        E = unit_strain_tensor(component, dim)
        norms.append(float(np.sqrt(V.mesh.comm.allreduce(float(((x @ E.T) ** 2).sum())))))
    return norms
