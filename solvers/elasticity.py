"""Linear elasticity on an RVE, written in Voigt notation as in :mod:`solvers.voigt`.

The energy density is ``eps(u) . C . eps(v)`` with ``eps`` the engineering Voigt strain
vector and ``C`` the (piecewise constant, per phase) Voigt stiffness in GPa.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import ufl

import meshing.fenicsx  # noqa: F401
from dolfinx import fem

from meshing.rve import RVE
from solvers.materials import Material
from solvers.voigt import plane_strain, rotate_stiffness, rotation_from_euler

__all__ = [
    "voigt_strain",
    "phase_stiffness",
    "check_materials",
    "cell_stiffness",
    "stiffness_form",
    "stiffness_action_form",
    "voigt_stress_form",
]


def voigt_strain(u: ufl.core.expr.Expr, dim: int) -> ufl.core.expr.Expr:
    """Engineering strain vector (11, 22, 33, 23, 13, 12) in 3D or (11, 22, 12) in 2D."""
    e = ufl.sym(ufl.grad(u))
    if dim == 3:
        return ufl.as_vector([e[0, 0], e[1, 1], e[2, 2], 2 * e[1, 2], 2 * e[0, 2], 2 * e[0, 1]])
    return ufl.as_vector([e[0, 0], e[1, 1], 2 * e[0, 1]])


def phase_stiffness(material: Material, dim: int) -> np.ndarray:
    """Voigt stiffness (GPa) of a material in the RVE's dimension (plane strain in 2D)."""
    return material.stiffness.copy() if dim == 3 else plane_strain(material.stiffness)


def check_materials(rve: RVE, materials: Mapping[str, Material]) -> None:
    """Every phase of the RVE needs a material, and every material a phase."""
    missing = sorted(set(rve.phases) - set(materials))
    extra = sorted(set(materials) - set(rve.phases))
    if missing or extra:
        raise ValueError(
            f"materials do not match the RVE phases {sorted(rve.phases)}: "
            + (f"no material for {missing}" if missing else "")
            + ("; " if missing and extra else "")
            + (f"no phase named {extra}" if extra else "")
        )


def cell_stiffness(rve: RVE, materials: Mapping[str, Material]) -> np.ndarray:
    """3D Voigt stiffness (GPa) of every local cell (owned and ghost), shape (cells, 6, 6).

    A cell inside a shape with a lattice orientation (``rve.cell_orientations``) gets its phase
    material's stiffness turned by that orientation; other cells take the material as given.
    """
    check_materials(rve, materials)
    imap = rve.mesh.topology.index_map(rve.dim)
    tags = np.zeros(imap.size_local + imap.num_ghosts, dtype=np.int32)
    tags[rve.cell_tags.indices] = rve.cell_tags.values
    C = np.zeros((tags.size, 6, 6))
    for phase, tag in rve.phases.items():
        C[tags == tag] = materials[phase].stiffness
    if rve.cell_orientations is not None:
        turned = np.flatnonzero(~np.isnan(rve.cell_orientations[:, 0]))
        keys = np.column_stack([tags[turned], rve.cell_orientations[turned]])
        unique, inverse = np.unique(keys, axis=0, return_inverse=True)
        phase_of = {tag: phase for phase, tag in rve.phases.items()}
        rotated = np.array([rotate_stiffness(materials[phase_of[int(row[0])]].stiffness, rotation_from_euler(*row[1:]))
                            for row in unique])
        C[turned] = rotated[inverse.ravel()]
    return C


def _stiffness_field(rve: RVE, materials: Mapping[str, Material]) -> fem.Function:
    """Cellwise-constant (DG0) Voigt stiffness, plane strain in 2D, for RVEs with lattice orientations."""
    n = 6 if rve.dim == 3 else 3
    Q = fem.functionspace(rve.mesh, ("DG", 0, (n, n)))
    C = cell_stiffness(rve, materials)
    if rve.dim == 2:
        C = C[:, [0, 1, 5]][:, :, [0, 1, 5]]
    field = fem.Function(Q)
    field.x.array.reshape(-1, n, n)[Q.dofmap.list[:, 0]] = C
    return field


def _energy_density_form(u, v, rve: RVE, materials: Mapping[str, Material]):
    check_materials(rve, materials)
    dim = rve.dim
    if rve.cell_orientations is not None:
        C = _stiffness_field(rve, materials)
        return ufl.dot(ufl.dot(C, voigt_strain(u, dim)), voigt_strain(v, dim)) * ufl.dx(domain=rve.mesh)
    dx = ufl.Measure("dx", domain=rve.mesh, subdomain_data=rve.cell_tags)
    terms = []
    for phase, tag in rve.phases.items():
        C = fem.Constant(rve.mesh, phase_stiffness(materials[phase], dim))
        terms.append(ufl.dot(ufl.dot(C, voigt_strain(u, dim)), voigt_strain(v, dim)) * dx(tag))
    return sum(terms[1:], terms[0])


def stiffness_form(V: fem.FunctionSpace, rve: RVE, materials: Mapping[str, Material]) -> fem.Form:
    """Bilinear form ``sum_phases integral eps(u) . C_phase . eps(v)`` on ``V`` (GPa nm^dim per unit strain^2)."""
    return fem.form(_energy_density_form(ufl.TrialFunction(V), ufl.TestFunction(V), rve, materials))


def stiffness_action_form(u: fem.Function, test_space: fem.FunctionSpace, rve: RVE, materials: Mapping[str, Material]) -> fem.Form:
    """Linear form ``v -> sum_phases integral eps(u) . C_phase . eps(v)``: the action ``K u`` on ``test_space``.

    ``u`` may live in another space on the same mesh (e.g. the affine field ``E.x`` acting on
    periodic test functions).
    """
    return fem.form(_energy_density_form(u, ufl.TestFunction(test_space), rve, materials))


def voigt_stress_form(V: fem.FunctionSpace, stress: fem.Constant) -> fem.Form:
    """Linear form ``integral sigma . eps(v)`` of a uniform Voigt stress (GPa): the load of static BCs."""
    v = ufl.TestFunction(V)
    dim = V.mesh.geometry.dim
    return fem.form(ufl.dot(stress, voigt_strain(v, dim)) * ufl.dx(domain=V.mesh))
