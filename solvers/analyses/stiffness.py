"""Effective elastic stiffness of an RVE by strain- or stress-driven homogenization (``type = "stiffness"``).

Boundary conditions (:mod:`solvers.fe.cell_problem`): ``"periodic"`` (the physically exact RVE
condition), ``"kubc"`` (kinematic uniform, an upper bound) and ``"subc"`` (static uniform, a
lower bound). The operator is assembled once and its preconditioner set up once for every load
case: 6 unit macroscopic strains (or stresses) in 3D; in 2D the in-plane 11, 22, 12 plus, for
strain-driven conditions, the uniform out-of-plane strain 33, which gives the generalized
plane-strain stiffness (11, 22, 33, 12) and so the true in-plane Young's moduli.

Moduli come from the energy, which is stationary at the exact solution, so its error is
quadratic in the solver error:
``C_IJ = (E_I . <C> . E_J + w_I . f_J + w_J . f_I + w_I . A w_J) / V`` with ``f_J`` the load of
the unit strain ``E_J`` and ``<C>`` the volume integral of the stiffness; SUBC uses the
stationary complementary energy. Before use, C is checked for symmetry and positive
definiteness, and Hill's lemma is checked at run time: the phase-weighted average stress (exact
cell integrals, :mod:`solvers.fe.fields`) must equal the column of C up to the bound that the
solver residual allows. Units: nm, GPa; Voigt convention of :mod:`solvers.micromechanics.voigt`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import ufl
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
import dolfinx.fem.petsc
from dolfinx import fem
from petsc4py import PETSc

from solvers.analyses.registry import Analysis, AnalysisInputs, register
from solvers.fe.body import owned_cell_volumes
from solvers.fe.cell_problem import BOUNDARY_CONDITIONS, CellProblem, cell_problem
from solvers.fe.connectivity import check_one_piece
from solvers.fe.elasticity import ElasticStiffness, cell_stiffness
from solvers.fe.fields import CellIntegrals, LocalFields, cell_field_arrays, phase_stress_averages
from solvers.fe.kinematics import voigt_strain
from solvers.fe.linear_solver import LinearSolver, SolverOptions
from solvers.fe.load_cases import energy_matrix, nodal_affine_norms, residual_bound, solve_load_cases
from solvers.fe.deflation import rigid_body_space, stiffness_contrast
from solvers.fe.h_multigrid import parent_mesh_level
from solvers.fe.p_multigrid import first_order_level
from solvers.fe.stages import Stages
from solvers.micromechanics.bounds import hashin_shtrikman_bulk, hashin_shtrikman_shear, reuss_average, voigt_average
from solvers.micromechanics.engineering import engineering_constants
from solvers.micromechanics.hill_lemma import HillLemmaError, check_hill_lemma
from solvers.micromechanics.materials import Material, checked_stiffness
from solvers.micromechanics.voigt import (
    PLANE_STRAIN_INDICES,
    generalized_plane_strain_labels,
    plane_strain,
    voigt_index,
    voigt_labels,
)

__all__ = [
    "BOUNDARY_CONDITIONS",
    "MAX_DEGREE",
    "StiffnessSettings",
    "StiffnessResult",
    "HillLemmaError",
    "effective_stiffness",
    "reference_bounds",
    "check_hill_lemma",
    "coarse_level_kind",
    "P_MULTIGRID",
    "H_MULTIGRID",
]

log = logging.getLogger("amorfem.solvers")

MAX_DEGREE = 3

@dataclass(frozen=True)
class StiffnessSettings:
    """The ``[analysis]`` table of a stiffness case.

    Parameters
    ----------
    bc : {"periodic", "kubc", "subc"}
        Boundary condition.
    """

    bc: str = "periodic"

    def __post_init__(self) -> None:
        if self.bc not in BOUNDARY_CONDITIONS:
            raise ValueError(f"[analysis] bc={self.bc!r} is not known; allowed: {', '.join(BOUNDARY_CONDITIONS)}")


def parse_settings(table: Mapping[str, Any]) -> StiffnessSettings:
    """Validate the ``[analysis]`` table (without ``type``) of a stiffness case."""
    unknown = sorted(set(table) - {"bc"})
    if unknown:
        raise ValueError(f"[analysis] has unknown keys {unknown} for type 'stiffness'; allowed: ['bc', 'type']")
    return StiffnessSettings(**table)


@dataclass(frozen=True, eq=False)
class StiffnessResult:
    """Effective stiffness of an RVE and how it was obtained.

    Attributes
    ----------
    C : numpy.ndarray
        Effective Voigt stiffness (GPa), 6x6 in 3D, 3x3 plane strain (11, 22, 12) in 2D.
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
        Global number of displacement dofs of the parent (unconstrained) space.
    unknowns : int
        Global number of unknowns solved for (the folded space for periodic BCs).
    ranks : int
        MPI ranks.
    timings : dict of str to float
        Wall seconds: constraint, assemble, setup, solve, moduli.
    memory : dict of str to list of float
        Peak resident memory (MB) of every rank in each of those stages
        (:class:`solvers.fe.stages.Stages`).
    hill_lemma : dict
        ``max_defect`` and ``bound``: the largest ``|C_IJ - E_I . <sigma_J>|`` (GPa) and what
        the solver residual allows.
    C_generalized : numpy.ndarray or None
        2D, strain-driven BCs: the generalized plane-strain stiffness (11, 22, 33, 12), GPa.
    fields : tuple of dolfinx.fem.Function
        Per load case, the fluctuation ``w`` (periodic, KUBC) or the displacement ``u`` (SUBC), nm.
    local : LocalFields or None
        Cell strain/stress fields and phase-averaged stresses per load case (GPa per unit load).
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
    unknowns: int
    ranks: int
    timings: dict[str, float]
    hill_lemma: dict[str, float]
    memory: dict[str, list[float]] = field(default_factory=dict)
    C_generalized: np.ndarray | None = None
    fields: tuple[fem.Function, ...] = field(default=(), repr=False)
    local: LocalFields | None = field(default=None, repr=False)

    @property
    def engineering(self) -> dict[str, float]:
        """Engineering constants of :attr:`C` (see :func:`solvers.micromechanics.engineering.engineering_constants`)."""
        return engineering_constants(self.C)

    @property
    def point_fields(self) -> tuple[fem.Function, ...]:
        """The fluctuations (or SUBC displacements) per load case, for the VTK output."""
        return self.fields

    @property
    def cell_fields(self) -> dict[str, np.ndarray]:
        """Cell strain, stress and von Mises arrays per load case (empty without local fields)."""
        return {} if self.local is None else self.local.cell_arrays

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (GPa, g/cm^3, s)."""
        out: dict[str, Any] = {
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
            "unknowns": self.unknowns,
            "ranks": self.ranks,
            "timings": self.timings,
            "memory_MB": {"per_rank_peak": self.memory},
            "hill_lemma": self.hill_lemma,
        }
        if self.C_generalized is not None:
            out["C_generalized"] = self.C_generalized.tolist()
            out["generalized_order"] = list(generalized_plane_strain_labels())
            out["engineering_generalized"] = engineering_constants(self.C_generalized)
        out["local_fields"] = None if self.local is None else {
            "load": "unit macroscopic strain" if self.bc != "subc" else "unit macroscopic stress (GPa)",
            "phase_averages": dict(self.local.phase_averages),
        }
        return out

    def headline(self) -> str:
        """C (GPa) for the log."""
        return f"C (GPa, Voigt {', '.join(self.labels)}) =\n{np.array2string(self.C, precision=4)}"


def _cellwise_voigt_reuss(rve, materials: Mapping[str, Material]) -> tuple[np.ndarray, np.ndarray]:
    """Volume averages of the cell stiffnesses and compliances (for per-cell lattice orientations)."""
    num_owned = rve.mesh.topology.index_map(rve.dim).size_local
    C = cell_stiffness(rve, materials)[:num_owned]
    if rve.dim == 2:
        C = C[:, PLANE_STRAIN_INDICES][:, :, PLANE_STRAIN_INDICES]
    v = owned_cell_volumes(rve.mesh)
    mean_C = rve.comm.allreduce(np.einsum("c,cij->ij", v, C), op=MPI.SUM) / rve.volume
    mean_S = rve.comm.allreduce(np.einsum("c,cij->ij", v, np.linalg.inv(C)), op=MPI.SUM) / rve.volume
    return mean_C, np.linalg.inv(mean_S)


def reference_bounds(
    materials: Mapping[str, Material], fractions: Mapping[str, float], dim: int, rve=None
) -> tuple[np.ndarray, np.ndarray, dict[str, list[float]] | None]:
    """Voigt and Reuss tensors (GPa) and, for isotropic phases in 3D, HS bulk/shear bounds (GPa).

    With per-cell lattice orientations (``rve.cell_orientations``) the Voigt and Reuss tensors
    average the turned stiffness of every cell. In 2D the tensors are plane-strain (11, 22, 12).
    """
    phases = [p for p in fractions if fractions[p] > 0]
    c = np.array([fractions[p] for p in phases])
    c = c / c.sum()
    if rve is not None and getattr(rve, "cell_orientations", None) is not None:
        voigt, reuss = _cellwise_voigt_reuss(rve, materials)
    else:
        stiffnesses = [materials[p].stiffness if dim == 3 else plane_strain(materials[p].stiffness) for p in phases]
        voigt, reuss = voigt_average(stiffnesses, c), reuss_average(stiffnesses, c)
    hs = None
    if dim == 3 and all(materials[p].is_isotropic for p in phases):
        K, G = zip(*(materials[p].bulk_shear for p in phases), strict=True)
        hs = {"K": list(hashin_shtrikman_bulk(K, G, c)), "G": list(hashin_shtrikman_shear(K, G, c))}
    return voigt, reuss, hs


#: The geometric coarse levels of :func:`coarse_level_kind`.
P_MULTIGRID, H_MULTIGRID = "p-multigrid: P1 on the same mesh", "h-multigrid: P1 on the parent mesh"


def coarse_level_kind(degree: int, solver: SolverOptions, layered: bool, refined: bool) -> str | None:
    """The geometric coarse level the stiffness solve takes: :data:`P_MULTIGRID` for P2/P3,
    :data:`H_MULTIGRID` for P1 on a uniformly refined RVE (not with the layered preconditioner),
    or None (GAMG alone, or a direct solve)."""
    if solver.is_direct or not solver.p_multigrid:
        return None
    if degree > 1:
        return P_MULTIGRID
    return H_MULTIGRID if refined and not layered else None


def effective_stiffness(
    rve,
    materials: Mapping[str, Material],
    bc: str = "periodic",
    degree: int = 1,
    solver: SolverOptions | None = None,
    local_fields: bool = False,
) -> StiffnessResult:
    """Effective stiffness of an RVE.

    Parameters
    ----------
    rve : RVE
        Meshed periodic cell (nm).
    materials : mapping of str to Material
        Material of every phase of the RVE (GPa).
    bc : {"periodic", "kubc", "subc"}
        Boundary condition (see :mod:`solvers.fe.cell_problem`).
    degree : int
        Lagrange degree of the displacement, 1 to 3.
    solver : SolverOptions, optional
        Linear solver (default: CG + GAMG, rtol 1e-6).
    local_fields : bool
        Also return cell strain/stress fields and phase-averaged stresses (:attr:`StiffnessResult.local`).

    Returns
    -------
    StiffnessResult

    Raises
    ------
    ValueError
        For a bad ``bc``/``degree``, a material set that does not match the phases, or a floating phase.
    """
    solver = SolverOptions() if solver is None else solver
    StiffnessSettings(bc)
    if not (isinstance(degree, int) and 1 <= degree <= MAX_DEGREE):
        raise ValueError(f"degree={degree!r} is outside the allowed range 1..{MAX_DEGREE}")
    comm, dim, mesh = rve.comm, rve.dim, rve.mesh
    labels = voigt_labels(dim)
    strain_driven = bc != "subc"
    solved_labels = generalized_plane_strain_labels() if dim == 2 and strain_driven else labels
    directions = np.eye(6)[[voigt_index(label) for label in solved_labels]]
    elastic = ElasticStiffness(rve, materials)
    stages = Stages(comm)

    stages.start()
    V = fem.functionspace(mesh, ("Lagrange", degree, (dim,)))
    problem = cell_problem(V, rve, bc)
    check_one_piece(rve, problem.space)
    stages.stop("constraint")

    stages.start()
    v = ufl.TestFunction(problem.space)
    A = dolfinx.fem.petsc.assemble_matrix(elastic.bilinear_form(problem.space), bcs=problem.dirichlet)
    A.assemble()
    if problem.null_modes:
        A.setNullSpace(PETSc.NullSpace().create(vectors=problem.null_modes, comm=comm))
    A.setNearNullSpace(PETSc.NullSpace().create(vectors=problem.near_null, comm=comm))
    value = fem.Constant(mesh, np.zeros(6))
    if strain_driven:
        load = fem.form(elastic.integral(lambda C: ufl.dot(ufl.dot(C, value), voigt_strain(v))))
    else:
        load = fem.form(ufl.dot(value, voigt_strain(v)) * ufl.dx(domain=mesh))
    stages.stop("assemble")

    stages.start()
    coarse = None
    layered = solver.layered(bool(getattr(rve, "thin_features", ())), stiffness_contrast(materials))
    kind = coarse_level_kind(degree, solver, layered, getattr(rve, "refined_from", None) is not None)
    if kind == P_MULTIGRID:
        coarse = first_order_level(problem, rve, elastic.bilinear_form)
    elif kind == H_MULTIGRID:
        coarse = parent_mesh_level(problem, rve, materials)
    deflation = None
    if layered:
        coordinates = problem.periodic.master_coordinates if problem.periodic is not None else \
            problem.space.tabulate_dof_coordinates()[: problem.space.dofmap.index_map.size_local, :dim]
        deflation = rigid_body_space(problem.space, coordinates, rve, materials,
                                     rve.box.lengths if problem.periodic is not None else None)
    linear = LinearSolver(A, solver, null_space_dimension=len(problem.null_modes), label=f"the {bc} RVE operator",
                          coarse=None if coarse is None else (coarse.operator, coarse.interpolation), deflation=deflation,
                          single_operator=True)
    linear.setup()
    stages.stop("setup")

    stages.start()
    solved = solve_load_cases(problem, A, linear, load, value, directions, solved_labels)
    stages.stop("solve")
    linear.destroy()
    for level in (coarse, deflation):
        if level is not None:
            level.destroy()

    stages.start()
    energy = energy_matrix(solved, directions, elastic.volume_integral(), rve.volume, strain_driven)
    if strain_driven:
        C_all = checked_stiffness(energy, f"the effective stiffness of the {bc} RVE")
    else:
        S = checked_stiffness(energy, f"the effective compliance of the {bc} RVE")
        C_all = np.linalg.inv(0.5 * (S + S.T))
    C_all = 0.5 * (C_all + C_all.T)
    in_plane = [solved_labels.index(label) for label in labels]
    C = C_all[np.ix_(in_plane, in_plane)]

    # Local fields from exact cell integrals; their phase-weighted average checks Hill's lemma.
    cells = CellIntegrals(mesh)
    current = fem.Function(problem.space)
    # Total strain: the macroscopic strain (e33 included in 2D) plus that of the fluctuation; SUBC: of u.
    strain = value + voigt_strain(current) if strain_driven else voigt_strain(current)
    strain_form = fem.form(ufl.dot(strain, cells.test) * ufl.dx(domain=mesh))
    stress_form = fem.form(elastic.integral(lambda Cp: ufl.dot(ufl.dot(Cp, strain), cells.test)))
    volumes = owned_cell_volumes(mesh) if local_fields else None
    average_stress, arrays, averages = [], {}, {}
    for k, (direction, label) in enumerate(zip(directions, solved_labels, strict=True)):
        if strain_driven:
            value.value[:] = direction
        current.x.petsc_vec.array[:] = solved.unknowns[k].array
        current.x.scatter_forward()
        stress_integrals = cells.assemble(stress_form)
        average_stress.append(comm.allreduce(stress_integrals.sum(axis=0)) / rve.volume)
        if local_fields and label in labels:
            arrays.update(cell_field_arrays(label, cells.assemble(strain_form), stress_integrals, volumes))
            averages[label] = phase_stress_averages(rve, stress_integrals)
    average_stress = np.array(average_stress)
    if strain_driven:
        partners = [x.norm() for x in solved.unknowns]
        hill = check_hill_lemma(C_all, average_stress, directions,
                                residual_bound(solved, partners, rve.volume, strain_driven))
    else:
        partners = nodal_affine_norms(V, solved_labels, dim)
        hill = check_hill_lemma(directions @ directions.T, average_stress, directions,
                                residual_bound(solved, partners, rve.volume, strain_driven))
    stages.stop("moduli")

    fields = []
    for x, label in zip(solved.unknowns, solved_labels, strict=True):
        if label not in labels:
            continue
        current.x.petsc_vec.array[:] = x.array
        fields.append(problem.to_parent(current, fem.Function(V, name=f"{'w' if strain_driven else 'u'}_{label}")))
    solved.destroy()
    A.destroy()
    problem.destroy()
    # petsc4py defers freeing parallel objects that Python dropped (vectors behind Functions,
    # null spaces) to a collective cleanup on their communicator; without it every call on
    # 2 ranks kept ~2.5 vectors of the problem (0.25 MB per call at 1.6e4 dofs).
    PETSc.garbage_cleanup(comm)

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
        iterations=tuple(solved.iterations),
        dofs=problem.num_dofs,
        unknowns=problem.num_unknowns,
        ranks=comm.size,
        timings=stages.timings,
        memory=stages.memory,
        hill_lemma=hill,
        C_generalized=C_all if dim == 2 and strain_driven else None,
        fields=tuple(fields),
        local=LocalFields(arrays, averages) if local_fields else None,
    )


def _run(inputs: AnalysisInputs) -> StiffnessResult:
    return effective_stiffness(inputs.body, inputs.materials, bc=inputs.settings.bc, degree=inputs.degree,
                               solver=inputs.solver, local_fields=inputs.local_fields)


STIFFNESS = register(Analysis(
    name="stiffness",
    description="effective elastic stiffness of a periodic RVE (periodic, KUBC or SUBC boundary conditions)",
    bodies=("rve",),
    parse=parse_settings,
    run=_run,
))
