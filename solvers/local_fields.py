"""Local strain and stress of every load case: cell fields for viewing, phase averages for reading.

For strain-driven BCs (periodic, KUBC) load case ``IJ`` is a unit macroscopic Voigt strain
(engineering shear), so the fields are strain (dimensionless) and stress (GPa) per unit strain;
for SUBC it is a unit macroscopic stress (1 GPa). Fields are cell values (DG0): the strain at
the cell midpoint, exact cell averages for P1. In 2D (plane strain) the tensors are padded to
3x3 with eps_33 = 0 and the out-of-plane stress sigma_33 from the 3D stiffness.
Units: GPa, nm.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import ufl
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
from dolfinx import fem

from meshing.rve import RVE, cell_volumes
from solvers.elasticity import cell_stiffness
from solvers.homogenization import StiffnessResult
from solvers.materials import Material
from solvers.voigt import VOIGT_PAIRS, unit_strain_tensor

__all__ = ["LocalFields", "local_fields", "phase_tags", "von_mises"]


@dataclass(frozen=True, eq=False)
class LocalFields:
    """Cell fields and their phase averages.

    Attributes
    ----------
    cell_arrays : dict of str to numpy.ndarray
        Per load case ``strain_IJ`` and ``stress_IJ`` (float32, shape (owned cells, 6), VTK's
        symmetric-tensor order XX, YY, ZZ, XY, YZ, XZ; stress in GPa) and ``von_mises_IJ``
        (owned cells, GPa), in local cell order. Single precision: they are for looking at;
        the moduli and phase averages are computed in double.
    phase_averages : dict
        ``{load case: {phase: {"stress": [6 Voigt components], "von_mises_mean": float,
        "von_mises_max": float}}}``, volume averages over the phase (GPa).
    """

    cell_arrays: dict[str, np.ndarray]
    phase_averages: dict[str, dict[str, dict[str, object]]]


def von_mises(stress: np.ndarray) -> np.ndarray:
    """Von Mises stress (GPa) of stress tensors of shape (..., 3, 3) (GPa)."""
    s = stress
    normal = (s[..., 0, 0] - s[..., 1, 1]) ** 2 + (s[..., 1, 1] - s[..., 2, 2]) ** 2 + (s[..., 2, 2] - s[..., 0, 0]) ** 2
    shear = s[..., 0, 1] ** 2 + s[..., 1, 2] ** 2 + s[..., 0, 2] ** 2
    return np.sqrt(0.5 * normal + 3.0 * shear)


def _strain_expression(field: fem.Function, E: np.ndarray, dim: int) -> ufl.core.expr.Expr:
    e = ufl.sym(ufl.grad(field)) + ufl.as_matrix(E.tolist())
    rows = [[e[i, j] if i < dim and j < dim else 0.0 for j in range(3)] for i in range(3)]
    return ufl.as_matrix(rows)


def _voigt(tensors: np.ndarray) -> np.ndarray:
    """Engineering Voigt strain vectors of (n, 3, 3) strain tensors."""
    return np.stack([tensors[:, i, j] * (1 if i == j else 2) for i, j in VOIGT_PAIRS], axis=1)


def _tensor(voigt: np.ndarray) -> np.ndarray:
    """(n, 3, 3) stress tensors of (n, 6) Voigt stress vectors."""
    out = np.zeros((voigt.shape[0], 3, 3))
    for k, (i, j) in enumerate(VOIGT_PAIRS):
        out[:, i, j] = out[:, j, i] = voigt[:, k]
    return out


def local_fields(rve: RVE, materials: Mapping[str, Material], result: StiffnessResult) -> LocalFields:
    """Strain, stress and von Mises stress of every load case of ``result``.

    Parameters
    ----------
    rve : RVE
        The RVE the result was computed on.
    materials : mapping of str to Material
        Phase materials (GPa).
    result : StiffnessResult
        Its ``fields`` are the fluctuations (periodic, KUBC) or displacements (SUBC).

    Returns
    -------
    LocalFields
    """
    mesh, dim, comm = rve.mesh, rve.dim, rve.comm
    Q = fem.functionspace(mesh, ("DG", 0, (3, 3)))
    num_owned = mesh.topology.index_map(dim).size_local
    cell_dof = Q.dofmap.list[:num_owned, 0]
    tags = phase_tags(rve)
    stiffness_by_cell = cell_stiffness(rve, materials)[:num_owned]
    volumes = cell_volumes(mesh)
    strain_driven = result.bc != "subc"
    strain = fem.Function(Q)

    arrays: dict[str, np.ndarray] = {}
    averages: dict[str, dict[str, dict[str, object]]] = {}
    for I, (label, field) in enumerate(zip(result.labels, result.fields, strict=True)):
        E = unit_strain_tensor(I, dim) if strain_driven else np.zeros((dim, dim))
        strain.interpolate(fem.Expression(_strain_expression(field, E, dim), Q.element.interpolation_points))
        eps = strain.x.array.reshape(-1, 3, 3)[cell_dof]
        sigma = _tensor(np.einsum("cij,cj->ci", stiffness_by_cell, _voigt(eps)))
        vm = von_mises(sigma)
        arrays[f"strain_{label}"] = _vtk_symmetric(eps)
        arrays[f"stress_{label}"] = _vtk_symmetric(sigma)
        arrays[f"von_mises_{label}"] = vm.astype(np.float32)
        averages[label] = _phase_averages(comm, rve, tags, volumes, sigma, vm)
    return LocalFields(arrays, averages)


#: Tensor index pairs of VTK's 6-component symmetric tensors (XX, YY, ZZ, XY, YZ, XZ).
VTK_SYMMETRIC_PAIRS = ((0, 0), (1, 1), (2, 2), (0, 1), (1, 2), (0, 2))


def _vtk_symmetric(tensors: np.ndarray) -> np.ndarray:
    return np.stack([tensors[:, i, j] for i, j in VTK_SYMMETRIC_PAIRS], axis=1).astype(np.float32)


def phase_tags(rve: RVE) -> np.ndarray:
    """Phase tag of every locally owned cell."""
    num_owned = rve.mesh.topology.index_map(rve.dim).size_local
    tags = np.zeros(num_owned + rve.mesh.topology.index_map(rve.dim).num_ghosts, dtype=np.int32)
    tags[rve.cell_tags.indices] = rve.cell_tags.values
    return tags[:num_owned]


def _phase_averages(comm, rve: RVE, tags, volumes, sigma, vm) -> dict[str, dict[str, object]]:
    out = {}
    voigt_stress = np.stack([sigma[:, i, j] for i, j in VOIGT_PAIRS], axis=1)
    for phase, tag in rve.phases.items():
        mask = tags == tag
        volume = comm.allreduce(volumes[mask].sum(), op=MPI.SUM)
        weighted = comm.allreduce(volumes[mask] @ voigt_stress[mask], op=MPI.SUM)
        vm_mean = comm.allreduce(volumes[mask] @ vm[mask], op=MPI.SUM)
        vm_max = comm.allreduce(vm[mask].max(initial=0.0), op=MPI.MAX)
        out[phase] = {
            "stress": (weighted / volume).tolist(),
            "von_mises_mean": float(vm_mean / volume),
            "von_mises_max": float(vm_max),
        }
    return out
