"""The linear elastic stiffness of a body's phases as UFL coefficients: the fast path of linear analyses.

Every phase's Voigt stiffness (GPa, :mod:`solvers.micromechanics.voigt`) enters the forms either
as one ``Constant`` per phase integrated over that phase's cells, or, when cells carry their own
lattice orientation (polycrystals, particles with random lattices), as a cellwise-constant (DG0)
6x6 field. The stiffness is always the full 6x6 matrix: 2D bodies are in generalized plane strain
(:mod:`solvers.fe.kinematics`), so their 6-component strains have zero out-of-plane shears.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import ufl

import meshing.fenicsx  # noqa: F401
from dolfinx import fem

from solvers.fe.body import MeshedBody, cell_phase_tags, owned_cell_volumes
from solvers.fe.kinematics import voigt_strain
from solvers.micromechanics.materials import Material
from solvers.micromechanics.voigt import rotate_stiffness, rotation_from_euler

__all__ = ["check_materials", "cell_stiffness", "ElasticStiffness"]


def check_materials(body: MeshedBody, materials: Mapping[str, object]) -> None:
    """Every phase of the body needs a material, and every material a phase."""
    missing = sorted(set(body.phases) - set(materials))
    extra = sorted(set(materials) - set(body.phases))
    if missing or extra:
        raise ValueError(
            f"materials do not match the phases {sorted(body.phases)}: "
            + (f"no material for {missing}" if missing else "")
            + ("; " if missing and extra else "")
            + (f"no phase named {extra}" if extra else "")
        )


def cell_stiffness(body: MeshedBody, materials: Mapping[str, Material]) -> np.ndarray:
    """3D Voigt stiffness (GPa) of every local cell (owned and ghost), shape (cells, 6, 6).

    A cell with a lattice orientation (``body.cell_orientations``) gets its phase material's
    stiffness turned by that orientation; other cells take the material as given.
    """
    check_materials(body, materials)
    tags = cell_phase_tags(body)
    C = np.zeros((tags.size, 6, 6))
    for phase, tag in body.phases.items():
        C[tags == tag] = materials[phase].stiffness
    orientations = getattr(body, "cell_orientations", None)
    if orientations is not None:
        turned = np.flatnonzero(~np.isnan(orientations[:, 0]))
        keys = np.column_stack([tags[turned], orientations[turned]])
        unique, inverse = np.unique(keys, axis=0, return_inverse=True)
        phase_of = {tag: phase for phase, tag in body.phases.items()}
        rotated = np.array([rotate_stiffness(materials[phase_of[int(row[0])]].stiffness, rotation_from_euler(*row[1:]))
                            for row in unique])
        C[turned] = rotated[inverse.ravel()]
    return C


class ElasticStiffness:
    """The phases' elastic stiffness, ready to integrate.

    Parameters
    ----------
    body : MeshedBody
        RVE or specimen with phase cell tags (nm).
    materials : mapping of str to Material
        Material of every phase (GPa).
    """

    def __init__(self, body: MeshedBody, materials: Mapping[str, Material]) -> None:
        check_materials(body, materials)
        self.body = body
        self.materials = dict(materials)
        self._field: fem.Function | None = None
        self._constants: dict[int, fem.Constant] = {}
        if getattr(body, "cell_orientations", None) is not None:
            Q = fem.functionspace(body.mesh, ("DG", 0, (6, 6)))
            self._field = fem.Function(Q, name="stiffness")
            self._field.x.array.reshape(-1, 6, 6)[Q.dofmap.list[:, 0]] = cell_stiffness(body, materials)
        else:
            self._constants = {tag: fem.Constant(body.mesh, np.array(materials[phase].stiffness))
                               for phase, tag in body.phases.items()}
        self._dx = ufl.Measure("dx", domain=body.mesh, subdomain_data=body.cell_tags)

    def integral(self, integrand: Callable[[ufl.core.expr.Expr], ufl.core.expr.Expr]) -> ufl.Form:
        """The UFL form ``sum over phases of integral integrand(C_phase) dx(phase)``.

        Parameters
        ----------
        integrand : callable
            Maps the 6x6 Voigt stiffness (a UFL coefficient, GPa) to the integrand, e.g.
            ``lambda C: dot(dot(C, eps(u)), eps(v))``.
        """
        if self._field is not None:
            return integrand(self._field) * self._dx
        terms = [integrand(C) * self._dx(tag) for tag, C in self._constants.items()]
        return sum(terms[1:], terms[0])

    def bilinear_form(self, V: fem.FunctionSpace) -> fem.Form:
        """The compiled stiffness form ``integral eps(du) . C . eps(v) dx`` on ``V`` (GPa nm^dim per unit strain^2)."""
        du, v = ufl.TrialFunction(V), ufl.TestFunction(V)
        return fem.form(self.integral(lambda C: ufl.dot(ufl.dot(C, voigt_strain(du)), voigt_strain(v))))

    def volume_integral(self) -> np.ndarray:
        """``integral C dx`` over the body, 6x6 (GPa nm^dim): exact for the piecewise-constant stiffness."""
        tags = cell_phase_tags(self.body)
        num_owned = self.body.mesh.topology.index_map(self.body.dim).size_local
        volumes = owned_cell_volumes(self.body.mesh)
        if self._field is not None:
            C = cell_stiffness(self.body, self.materials)[:num_owned]
            local = np.einsum("c,cij->ij", volumes, C)
        else:
            local = sum(volumes[tags[:num_owned] == tag].sum() * np.array(self.materials[phase].stiffness)
                        for phase, tag in self.body.phases.items())
        return self.body.comm.allreduce(local)
