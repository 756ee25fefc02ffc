"""Local fields of any analysis: exact cell and phase integrals of strain and stress.

The integral of a 6-component (Voigt) expression over every cell is one vector assembly against
a cellwise-constant (DG0) test function; UFL picks the quadrature degree from the integrand, so
the integrals are exact for polynomial fields (strain and stress of P1, P2, P3 elastic
solutions) and are the quadrature sums for quadrature-point stresses (plasticity). From them:

* cell averages for viewing (``strain_<label>``, ``stress_<label>`` in VTK's symmetric-tensor
  order XX, YY, ZZ, XY, YZ, XZ, float32; ``von_mises_<label>`` of the cell-average stress);
* phase averages (the exact volume average of the stress over each phase's cells).

Nothing here knows which analysis produced the fields. Units: stress GPa, strain dimensionless.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import ufl
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
import dolfinx
from dolfinx import fem

from solvers.fe.body import MeshedBody, owned_cell_volumes, owned_phase_tags
from solvers.micromechanics.invariants import von_mises_voigt
from solvers.micromechanics.voigt import VOIGT_PAIRS, VTK_SYMMETRIC_PAIRS

__all__ = ["CellIntegrals", "LocalFields", "cell_field_arrays", "phase_stress_averages", "vtk_symmetric"]


class CellIntegrals:
    """Integrals of 6-component expressions over every locally owned cell.

    Parameters
    ----------
    mesh : dolfinx.mesh.Mesh

    Attributes
    ----------
    test : ufl.Argument
        The DG0 vector test function to dot with the integrand: the form
        ``dot(expr, test) * dx`` assembles into the cell integrals of ``expr``.
    """

    def __init__(self, mesh: dolfinx.mesh.Mesh) -> None:
        self.mesh = mesh
        self.space = fem.functionspace(mesh, ("DG", 0, (6,)))
        self.test = ufl.TestFunction(self.space)
        num_owned = mesh.topology.index_map(mesh.topology.dim).size_local
        self._owned_dofs = self.space.dofmap.list[:num_owned, 0]

    def assemble(self, form: fem.Form) -> np.ndarray:
        """Cell integrals, shape (owned cells, 6), of a compiled form ``dot(expr, test) * dx``."""
        vector = fem.assemble_vector(form)
        vector.scatter_reverse(dolfinx.la.InsertMode.add)
        return vector.array.reshape(-1, 6)[self._owned_dofs].copy()


def vtk_symmetric(voigt: np.ndarray, engineering: bool) -> np.ndarray:
    """(n, 6) Voigt vectors as VTK symmetric tensors (XX, YY, ZZ, XY, YZ, XZ), float32 (shears halved for strains)."""
    position = {tuple(sorted(p)): k for k, p in enumerate(VOIGT_PAIRS)}
    columns = []
    for i, j in VTK_SYMMETRIC_PAIRS:
        k = position[tuple(sorted((i, j)))]
        columns.append(voigt[:, k] * (0.5 if engineering and i != j else 1.0))
    return np.stack(columns, axis=1).astype(np.float32)


def cell_field_arrays(label: str, strain_integrals: np.ndarray, stress_integrals: np.ndarray,
                      volumes: np.ndarray) -> dict[str, np.ndarray]:
    """Cell-average strain, stress and von Mises arrays of one load state, for viewing.

    Parameters
    ----------
    label : str
        Load-case or step label (array names end with it).
    strain_integrals, stress_integrals : numpy.ndarray, shape (owned cells, 6)
        Cell integrals of the Voigt strain and stress (from :class:`CellIntegrals`).
    volumes : numpy.ndarray, shape (owned cells,)
        Cell volumes (nm^3; areas in 2D).
    """
    strain = strain_integrals / volumes[:, None]
    stress = stress_integrals / volumes[:, None]
    return {
        f"strain_{label}": vtk_symmetric(strain, engineering=True),
        f"stress_{label}": vtk_symmetric(stress, engineering=False),
        f"von_mises_{label}": von_mises_voigt(stress).astype(np.float32),
    }


def phase_stress_averages(body: MeshedBody, stress_integrals: np.ndarray) -> dict[str, dict[str, object]]:
    """Exact volume-average stress of every phase, with the mean and largest cell von Mises stress.

    Returns
    -------
    dict
        ``{phase: {"stress": [6 Voigt components], "von_mises_mean": float, "von_mises_max": float}}`` (GPa).
    """
    comm: MPI.Comm = body.comm
    tags = owned_phase_tags(body)
    volumes = owned_cell_volumes(body.mesh)
    von_mises = von_mises_voigt(stress_integrals / volumes[:, None])
    out = {}
    for phase, tag in body.phases.items():
        mask = tags == tag
        volume = comm.allreduce(volumes[mask].sum(), op=MPI.SUM)
        total = comm.allreduce(stress_integrals[mask].sum(axis=0), op=MPI.SUM)
        vm_mean = comm.allreduce(volumes[mask] @ von_mises[mask], op=MPI.SUM)
        vm_max = comm.allreduce(von_mises[mask].max(initial=0.0), op=MPI.MAX)
        out[phase] = {
            "stress": (total / volume).tolist(),
            "von_mises_mean": float(vm_mean / volume),
            "von_mises_max": float(vm_max),
        }
    return out


@dataclass(frozen=True, eq=False)
class LocalFields:
    """Cell arrays of several load states and their phase averages.

    Attributes
    ----------
    cell_arrays : dict of str to numpy.ndarray
        ``strain_<label>``, ``stress_<label>`` (owned cells, 6; VTK order; GPa) and
        ``von_mises_<label>`` (owned cells; GPa), float32.
    phase_averages : dict
        ``{label: {phase: {"stress": [...], "von_mises_mean": ..., "von_mises_max": ...}}}`` (GPa).
    """

    cell_arrays: dict[str, np.ndarray]
    phase_averages: Mapping[str, dict[str, dict[str, object]]]
