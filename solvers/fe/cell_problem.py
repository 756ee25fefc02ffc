"""The unknown of an RVE cell problem under each boundary condition, with its constraints and null space.

* ``"periodic"``: ``u = E.x + w``, ``w`` in the periodic fold of the displacement space
  (:mod:`solvers.fe.periodic`); exact null space the rigid translations.
* ``"kubc"``: ``u = E.x + w`` with ``w = 0`` on the boundary (kinematic uniform BC); no null space.
* ``"subc"``: ``u`` under uniform tractions ``Sigma.n`` (static uniform BC); null space the
  rigid-body modes.

Nothing is assembled here. Units: nm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import meshing.fenicsx  # noqa: F401
import dolfinx
from dolfinx import fem
from petsc4py import PETSc

from solvers.fe.body import MeshedBody
from solvers.fe.nullspace import rigid_body_modes
from solvers.fe.periodic import PeriodicSpace, periodic_space

__all__ = ["BOUNDARY_CONDITIONS", "CellProblem", "cell_problem"]

BOUNDARY_CONDITIONS = ("periodic", "kubc", "subc")


@dataclass(eq=False)
class CellProblem:
    """The unknown's space, constraints and null spaces for one boundary condition.

    Attributes
    ----------
    bc : str
        The boundary condition.
    parent : dolfinx.fem.FunctionSpace
        The vector Lagrange displacement space.
    space : dolfinx.fem.FunctionSpace
        The space of the unknown (the periodic fold for ``"periodic"``, else ``parent``).
    periodic : PeriodicSpace or None
    dirichlet : list of DirichletBC
        ``w = 0`` on the boundary (KUBC), else empty.
    null_modes : list of PETSc.Vec
        The operator's exact null space (orthonormal).
    near_null : list of PETSc.Vec
        Near-null space for algebraic multigrid (rigid-body modes).
    """

    bc: str
    parent: fem.FunctionSpace
    space: fem.FunctionSpace
    periodic: PeriodicSpace | None
    dirichlet: list[fem.DirichletBC] = field(default_factory=list)
    null_modes: list[PETSc.Vec] = field(default_factory=list)
    near_null: list[PETSc.Vec] = field(default_factory=list)

    @property
    def strain_driven(self) -> bool:
        """True when the load is a macroscopic strain (periodic, KUBC); False for SUBC."""
        return self.bc != "subc"

    @property
    def num_unknowns(self) -> int:
        """Global number of unknowns solved for (the folded space for periodic BCs)."""
        return self.space.dofmap.index_map.size_global * self.space.dofmap.index_map_bs

    @property
    def num_dofs(self) -> int:
        """Global number of displacement dofs of the parent space."""
        return self.parent.dofmap.index_map.size_global * self.parent.dofmap.index_map_bs

    def to_parent(self, unknown: fem.Function, out: fem.Function) -> fem.Function:
        """Copy the unknown into a parent-space function (prolonged for periodic BCs)."""
        if self.periodic is not None:
            return self.periodic.prolong(unknown, out)
        unknown.x.scatter_forward()
        out.x.array[:] = unknown.x.array
        return out

    def destroy(self) -> None:
        """Free the PETSc vectors of the null spaces."""
        for v in {id(v): v for v in self.null_modes + self.near_null}.values():
            v.destroy()


def cell_problem(V: fem.FunctionSpace, body: MeshedBody, bc: str) -> CellProblem:
    """Space of the unknown, constraints and (near-)null spaces for ``bc`` on an RVE (no assembly).

    Parameters
    ----------
    V : dolfinx.fem.FunctionSpace
        Vector Lagrange displacement space on the RVE mesh.
    body : RVE
        The periodic cell (its ``box`` is used by the periodic fold).
    bc : {"periodic", "kubc", "subc"}
    """
    if bc not in BOUNDARY_CONDITIONS:
        raise ValueError(f"bc='{bc}' is not known; allowed: {', '.join(BOUNDARY_CONDITIONS)}")
    if bc == "periodic":
        periodic = periodic_space(V, body.box)
        return CellProblem(bc, V, periodic.space, periodic, [], periodic.translations(), periodic.near_null_modes())
    modes = rigid_body_modes(V)
    if bc == "subc":
        return CellProblem(bc, V, V, None, [], modes, modes)
    body.mesh.topology.create_connectivity(body.dim - 1, body.dim)
    boundary = dolfinx.mesh.exterior_facet_indices(body.mesh.topology)
    dofs = fem.locate_dofs_topological(V, body.dim - 1, boundary)
    return CellProblem(bc, V, V, None, [fem.dirichletbc(np.zeros(body.dim), dofs, V)], [], modes)
