"""Effective elastic stiffness of an RVE by strain- or stress-driven homogenization.

Boundary conditions
-------------------
* ``"periodic"``: ``u = E.x + w`` with ``w`` periodic (the physically exact RVE condition).
* ``"kubc"``: ``u = E.x`` on the whole boundary (kinematic uniform BC, an upper bound).
* ``"subc"``: traction ``Sigma.n`` on the whole boundary (static uniform BC, a lower bound).

The unknown is the fluctuation ``w = u - E.x``: in the periodic space of
:mod:`solvers.periodic` (operator ``P^T K P``, null space the rigid translations), or in the
ordinary space with ``w = 0`` on the boundary (KUBC); SUBC solves for ``u`` under the
traction load, with the six rigid-body modes as null space. The operator is assembled once
and its preconditioner set up once for the 6 (3D) or 3 (2D) load cases. Effective moduli come
from energy forms, ``C_IJ = u_I . K u_J / V`` (for SUBC the stationary complementary form
``S_IJ``), whose error is quadratic in the solver error. Units: nm, GPa; Voigt convention of
:mod:`solvers.voigt`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
import dolfinx
import dolfinx.fem.petsc
from dolfinx import fem
from petsc4py import PETSc

from meshing.rve import RVE, cell_volumes
from solvers.bounds import hashin_shtrikman_bulk, hashin_shtrikman_shear, reuss_average, voigt_average
from solvers.elasticity import (
    cell_stiffness,
    phase_stiffness,
    stiffness_action_form,
    stiffness_form,
    voigt_stress_form,
)
from solvers.engineering import engineering_constants
from solvers.linear_solver import LinearSolver, SolverOptions
from solvers.materials import Material
from solvers.nullspace import rigid_body_modes
from solvers.periodic import PeriodicSpace, periodic_space
from solvers.voigt import unit_strain_tensor, voigt_labels

__all__ = ["BOUNDARY_CONDITIONS", "StiffnessResult", "effective_stiffness", "reference_bounds"]

log = logging.getLogger("amorfem.solvers")

BOUNDARY_CONDITIONS = ("periodic", "kubc", "subc")
MAX_DEGREE = 3


@dataclass(frozen=True, eq=False)
class StiffnessResult:
    """Effective stiffness of an RVE and how it was obtained.

    Attributes
    ----------
    C : numpy.ndarray
        Effective Voigt stiffness (GPa), 6x6 in 3D, 3x3 plane strain in 2D.
    bc : str
        Boundary condition ("periodic", "kubc", "subc").
    degree : int
        Lagrange degree of the displacement.
    labels : tuple of str
        Voigt labels of the rows/columns of C, also the load-case names.
    volume_fractions : dict of str to float
        Meshed phase volume fractions.
    density : float
        Effective density (g/cm^3).
    voigt, reuss : numpy.ndarray
        Voigt and Reuss bounds of the same phases and fractions (GPa).
    hashin_shtrikman : dict or None
        HS bounds on bulk ``K`` and shear ``G`` moduli (GPa) when every phase is isotropic (3D).
    iterations : tuple of int
        Krylov iterations per load case.
    dofs : int
        Global number of displacement dofs.
    ranks : int
        MPI ranks.
    timings : dict of str to float
        Wall seconds: assemble, constraint, setup, solve, moduli.
    fields : tuple of dolfinx.fem.Function
        Per load case, the fluctuation ``w`` (periodic, KUBC) or the displacement ``u`` (SUBC), nm.
    """

    C: np.ndarray
    bc: str
    degree: int
    labels: tuple[str, ...]
    volume_fractions: dict[str, float]
    density: float
    voigt: np.ndarray
    reuss: np.ndarray
    hashin_shtrikman: dict[str, list[float]] | None
    iterations: tuple[int, ...]
    dofs: int
    ranks: int
    timings: dict[str, float]
    fields: tuple[fem.Function, ...] = field(default=(), repr=False)

    @property
    def engineering(self) -> dict[str, float]:
        """Engineering constants of :attr:`C` (see :func:`solvers.engineering.engineering_constants`)."""
        return engineering_constants(self.C)

    def to_dict(self) -> dict:
        """JSON-ready summary (units in the keys' documentation: GPa, g/cm^3, s)."""
        return {
            "C": self.C.tolist(),
            "voigt_order": list(self.labels),
            "bc": self.bc,
            "degree": self.degree,
            "engineering": self.engineering,
            "volume_fractions": self.volume_fractions,
            "density": self.density,
            "bounds": {
                "voigt": self.voigt.tolist(),
                "reuss": self.reuss.tolist(),
                "hashin_shtrikman": self.hashin_shtrikman,
            },
            "iterations": list(self.iterations),
            "dofs": self.dofs,
            "ranks": self.ranks,
            "timings": self.timings,
        }


def _cellwise_voigt_reuss(rve: RVE, materials: Mapping[str, Material]) -> tuple[np.ndarray, np.ndarray]:
    """Volume averages of the cell stiffnesses and compliances (for per-cell lattice orientations)."""
    num_owned = rve.mesh.topology.index_map(rve.dim).size_local
    C = cell_stiffness(rve, materials)[:num_owned]
    if rve.dim == 2:
        C = C[:, [0, 1, 5]][:, :, [0, 1, 5]]
    v = cell_volumes(rve.mesh)
    mean_C = rve.comm.allreduce(np.einsum("c,cij->ij", v, C), op=MPI.SUM) / rve.box.volume
    mean_S = rve.comm.allreduce(np.einsum("c,cij->ij", v, np.linalg.inv(C)), op=MPI.SUM) / rve.box.volume
    return mean_C, np.linalg.inv(mean_S)


def reference_bounds(
    materials: Mapping[str, Material], fractions: Mapping[str, float], dim: int, rve: RVE | None = None
) -> tuple[np.ndarray, np.ndarray, dict[str, list[float]] | None]:
    """Voigt and Reuss tensors (GPa) and, for isotropic phases in 3D, HS bulk/shear bounds (GPa).

    With per-cell lattice orientations (``rve.cell_orientations``) the Voigt and Reuss tensors
    average the turned stiffness of every cell.
    """
    phases = [p for p in fractions if fractions[p] > 0]
    c = np.array([fractions[p] for p in phases])
    c = c / c.sum()
    if rve is not None and rve.cell_orientations is not None:
        voigt, reuss = _cellwise_voigt_reuss(rve, materials)
    else:
        stiffnesses = [phase_stiffness(materials[p], dim) for p in phases]
        voigt, reuss = voigt_average(stiffnesses, c), reuss_average(stiffnesses, c)
    hs = None
    if dim == 3 and all(materials[p].is_isotropic for p in phases):
        K, G = zip(*(materials[p].bulk_shear for p in phases), strict=True)
        hs = {"K": list(hashin_shtrikman_bulk(K, G, c)), "G": list(hashin_shtrikman_shear(K, G, c))}
    return voigt, reuss, hs


def _timed(comm: MPI.Comm, start: float) -> float:
    return comm.allreduce(MPI.Wtime() - start, op=MPI.MAX)


@dataclass
class _Problem:
    """The operator of one boundary condition with its space, null spaces and constraints."""

    space: fem.FunctionSpace
    periodic: PeriodicSpace | None
    dirichlet: list[fem.DirichletBC]
    null_modes: list[PETSc.Vec]
    near_null: list[PETSc.Vec]


def _problem(V: fem.FunctionSpace, rve: RVE, bc: str) -> _Problem:
    """Space of the unknown, constraints and (near-)null spaces for ``bc`` (no assembly)."""
    if bc == "periodic":
        periodic = periodic_space(V, rve.box)
        return _Problem(periodic.space, periodic, [], periodic.translations(), periodic.near_null_modes())
    modes = rigid_body_modes(V)
    if bc == "subc":
        return _Problem(V, None, [], modes, modes)
    rve.mesh.topology.create_connectivity(rve.dim - 1, rve.dim)
    boundary = dolfinx.mesh.exterior_facet_indices(rve.mesh.topology)
    dofs = fem.locate_dofs_topological(V, rve.dim - 1, boundary)
    fixed = fem.dirichletbc(np.zeros(rve.dim), dofs, V)
    return _Problem(V, None, [fixed], [], modes)


def _strain_driven(
    problem: _Problem, V: fem.FunctionSpace, rve: RVE, materials: Mapping[str, Material],
    linear: LinearSolver, labels: tuple[str, ...], bc: str,
) -> tuple[list[fem.Function], list[fem.Function], list[int]]:
    """Solve ``A w = -a(E_I.x, v)`` per unit strain; return displacements, fluctuations, iterations."""
    dim = rve.dim
    affine = fem.Function(V)
    load = stiffness_action_form(affine, problem.space, rve, materials)
    unknown = fem.Function(problem.space)
    displacements, fluctuations, iterations = [], [], []
    for I, label in enumerate(labels):
        E = unit_strain_tensor(I, dim)
        affine.interpolate(lambda x, E=E: E @ x[:dim])
        b = dolfinx.fem.petsc.assemble_vector(load)
        b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        b.scale(-1.0)
        dolfinx.fem.petsc.set_bc(b, problem.dirichlet)
        iterations.append(linear.solve(b, unknown.x.petsc_vec, label=f"{bc} {label}"))
        unknown.x.scatter_forward()
        w = fem.Function(V, name=f"w_{label}")
        if problem.periodic is not None:
            problem.periodic.prolong(unknown, w)
        else:
            w.x.array[:] = unknown.x.array
        u = fem.Function(V)
        u.x.array[:] = affine.x.array + w.x.array
        displacements.append(u)
        fluctuations.append(w)
        log.info("load case %s: %d iterations", label, iterations[-1])
    return displacements, fluctuations, iterations


def _stress_driven(
    V: fem.FunctionSpace, linear: LinearSolver, labels: tuple[str, ...]
) -> tuple[list[fem.Function], list[PETSc.Vec], list[int]]:
    """Solve ``K u = f(Sigma_I)`` per unit stress; return displacements, loads, iterations."""
    stress = fem.Constant(V.mesh, np.zeros(len(labels)))
    load = voigt_stress_form(V, stress)
    displacements, loads, iterations = [], [], []
    for I, label in enumerate(labels):
        stress.value[:] = np.eye(len(labels))[I]
        b = dolfinx.fem.petsc.assemble_vector(load)
        b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        u = fem.Function(V, name=f"u_{label}")
        iterations.append(linear.solve(b, u.x.petsc_vec, label=f"subc {label}"))
        u.x.scatter_forward()
        displacements.append(u)
        loads.append(b)
        log.info("load case %s: %d iterations", label, iterations[-1])
    return displacements, loads, iterations


def _energy_matrix(
    V: fem.FunctionSpace, rve: RVE, materials: Mapping[str, Material],
    displacements: list[fem.Function], loads: list[PETSc.Vec] | None,
) -> np.ndarray:
    """``u_I . K u_J / V``, or for stress-driven loads ``(u_I . b_J + u_J . b_I - u_I . K u_J) / V``.

    Both are stationary at the exact solution, so their error is quadratic in the solver error.
    ``K u_J`` is assembled as the action of the stiffness on ``u_J`` (no matrix needed).
    """
    acting = fem.Function(V)
    action = stiffness_action_form(acting, V, rve, materials)
    n = len(displacements)
    energy = np.zeros((n, n))
    for J, uJ in enumerate(displacements):
        acting.x.array[:] = uJ.x.array
        Ku = dolfinx.fem.petsc.assemble_vector(action)
        Ku.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        for I, uI in enumerate(displacements):
            energy[I, J] = uI.x.petsc_vec.dot(Ku)
    if loads is not None:
        work = np.array([[uI.x.petsc_vec.dot(bJ) for bJ in loads] for uI in displacements])
        energy = work + work.T - energy
    return 0.5 * (energy + energy.T) / rve.box.volume


def effective_stiffness(
    rve: RVE,
    materials: Mapping[str, Material],
    bc: str = "periodic",
    degree: int = 1,
    solver: SolverOptions | None = None,
) -> StiffnessResult:
    """Effective stiffness of an RVE.

    Parameters
    ----------
    rve : RVE
        Meshed periodic cell (nm).
    materials : mapping of str to Material
        Material of every phase of the RVE (GPa).
    bc : {"periodic", "kubc", "subc"}
        Boundary condition (see the module docstring).
    degree : int
        Lagrange degree of the displacement, 1 to 3.
    solver : SolverOptions, optional
        Linear solver (default: CG + GAMG, rtol 1e-6).

    Returns
    -------
    StiffnessResult
    """
    solver = SolverOptions() if solver is None else solver
    if bc not in BOUNDARY_CONDITIONS:
        raise ValueError(f"bc='{bc}' is not known; allowed: {', '.join(BOUNDARY_CONDITIONS)}")
    if not (isinstance(degree, int) and 1 <= degree <= MAX_DEGREE):
        raise ValueError(f"degree={degree!r} is outside the allowed range 1..{MAX_DEGREE}")
    comm, dim = rve.comm, rve.dim
    labels = voigt_labels(dim)
    timings: dict[str, float] = {}

    start = MPI.Wtime()
    V = fem.functionspace(rve.mesh, ("Lagrange", degree, (dim,)))
    problem = _problem(V, rve, bc)
    timings["constraint"] = _timed(comm, start)

    start = MPI.Wtime()
    A = dolfinx.fem.petsc.assemble_matrix(stiffness_form(problem.space, rve, materials), bcs=problem.dirichlet)
    A.assemble()
    if problem.null_modes:
        A.setNullSpace(PETSc.NullSpace().create(vectors=problem.null_modes, comm=comm))
    A.setNearNullSpace(PETSc.NullSpace().create(vectors=problem.near_null, comm=comm))
    timings["assemble"] = _timed(comm, start)

    start = MPI.Wtime()
    linear = LinearSolver(A, solver, singular=bool(problem.null_modes))
    linear.setup()
    timings["setup"] = _timed(comm, start)

    start = MPI.Wtime()
    if bc == "subc":
        displacements, loads, iterations = _stress_driven(V, linear, labels)
        fields = displacements
    else:
        displacements, fields, iterations = _strain_driven(problem, V, rve, materials, linear, labels, bc)
        loads = None
    timings["solve"] = _timed(comm, start)
    linear.destroy()

    start = MPI.Wtime()
    energy = _energy_matrix(V, rve, materials, displacements, loads)
    C = np.linalg.inv(energy) if bc == "subc" else energy
    timings["moduli"] = _timed(comm, start)

    fractions = rve.volume_fractions
    voigt, reuss, hs = reference_bounds(materials, fractions, dim, rve)
    density = sum(fractions[p] * materials[p].density for p in fractions)
    return StiffnessResult(
        C=C,
        bc=bc,
        degree=degree,
        labels=labels,
        volume_fractions=dict(fractions),
        density=float(density),
        voigt=voigt,
        reuss=reuss,
        hashin_shtrikman=hs,
        iterations=tuple(iterations),
        dofs=V.dofmap.index_map.size_global * dim,
        ranks=comm.size,
        timings=timings,
        fields=tuple(fields),
    )
