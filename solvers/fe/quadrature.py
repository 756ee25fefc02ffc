"""Constitutive laws evaluated at the quadrature points of a body, with their state.

:class:`QuadratureLaws` holds, for every local cell (owned and ghost) and quadrature point, the
stress and consistent tangent as basix quadrature-element functions, and every law's state.
``update(strain)`` evaluates a UFL strain at all points (one ``fem.Expression`` evaluation),
runs each phase's law on all of its points at once (NumPy, no loop over points), and writes the
stress and tangent that the residual and Jacobian forms read:

    residual  = integral stress . eps(v) dx_q
    jacobian  = integral eps(du) . tangent . eps(v) dx_q

with ``dx_q`` the measure of the same quadrature rule (:attr:`QuadratureLaws.dx`). The state of
the last ``update`` becomes the law's state only on ``commit()`` (an accepted load step);
``restore()`` throws it away (a step cut). Ghost cells are evaluated like owned ones, so no
scatter is needed. Units: GPa, strain dimensionless.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import basix.ufl
import numpy as np
import ufl

import meshing.fenicsx  # noqa: F401
from dolfinx import fem

from solvers.fe.body import MeshedBody, cell_phase_tags
from solvers.fe.constitutive import ConstitutiveLaw
from solvers.micromechanics.voigt import rotation_from_euler

__all__ = ["QuadratureLaws", "quadrature_degree"]


def quadrature_degree(degree: int) -> int:
    """Quadrature degree for displacement degree ``degree``: exact for the elastic stiffness (2 (p - 1)), at least 1."""
    return max(2 * (degree - 1), 1)


@dataclass
class _Group:
    law: ConstitutiveLaw
    phase: str
    key: str                     # unique: the phase, or "phase@k" for its k-th lattice orientation
    cells: np.ndarray            # local cell indices (owned and ghost)
    committed: dict[str, np.ndarray]
    trial: dict[str, np.ndarray]


def oriented_laws(body: MeshedBody, phase: str, law: ConstitutiveLaw,
                  cells: np.ndarray) -> list[tuple[str, ConstitutiveLaw, np.ndarray]]:
    """The law of a phase's cells turned by their lattice orientations: ``[(key, law, cells), ...]``.

    Cells without an orientation (NaN rows of ``body.cell_orientations``, or none at all) keep
    ``law``; the cells of each distinct orientation get ``law`` with its material rotated from the
    crystal to the sample frame (as the elastic stiffness of :func:`solvers.fe.elasticity.cell_stiffness`).
    Keys name the Bunge angles, so a rank's checkpoint finds its groups again.

    Raises
    ------
    ValueError
        When oriented cells have a law with no ``material`` to turn.
    """
    orientations = getattr(body, "cell_orientations", None)
    if orientations is None:
        return [(phase, law, cells)]
    euler = orientations[cells]
    plain = np.isnan(euler[:, 0])
    if plain.all():  # (also a phase with no cells on this rank)
        return [(phase, law, cells)]
    out = [(phase, law, cells[plain])] if plain.any() else []
    if not hasattr(law, "material"):
        raise ValueError(f"phase '{phase}' has lattice orientations but its law {type(law).__name__} has no material to turn")
    unique, inverse = np.unique(euler[~plain], axis=0, return_inverse=True)
    for k, angles in enumerate(unique):
        turned = replace(law, material=law.material.rotated(rotation_from_euler(*angles)))
        out.append((f"{phase}@{'_'.join(f'{a:.9g}' for a in angles)}", turned, cells[~plain][inverse.ravel() == k]))
    return out


class QuadratureLaws:
    """Stress, tangent and state of every phase's law at the quadrature points of a body.

    Parameters
    ----------
    body : MeshedBody
        RVE or specimen (nm).
    laws : mapping of str to ConstitutiveLaw
        The law of every phase.
    degree : int
        Quadrature degree (see :func:`quadrature_degree`).
    """

    def __init__(self, body: MeshedBody, laws: Mapping[str, ConstitutiveLaw], degree: int) -> None:
        missing, extra = sorted(set(body.phases) - set(laws)), sorted(set(laws) - set(body.phases))
        if missing or extra:
            raise ValueError(f"laws do not match the phases {sorted(body.phases)}: missing {missing}, extra {extra}")
        mesh = body.mesh
        self.body = body
        self.degree = degree
        cell = mesh.basix_cell()
        self._element = lambda shape: basix.ufl.quadrature_element(cell, value_shape=shape, degree=degree)
        self.stress = fem.Function(fem.functionspace(mesh, self._element((6,))), name="stress")
        self.tangent = fem.Function(fem.functionspace(mesh, self._element((6, 6))), name="tangent")
        self.points, self.weights = basix.make_quadrature(cell, degree)
        self.dx = ufl.Measure("dx", domain=mesh, metadata={"quadrature_degree": degree, "quadrature_scheme": "default"})
        self._dofs = self.stress.function_space.dofmap.list      # (cells, points)
        tags = cell_phase_tags(body)
        n_points = self.points.shape[0]
        self.groups: list[_Group] = []
        for phase, tag in body.phases.items():
            for key, law, cells in oriented_laws(body, phase, laws[phase], np.flatnonzero(tags == tag).astype(np.int32)):
                state = law.initial_state(cells.size * n_points)
                self.groups.append(_Group(law, phase, key, cells, state, {k: v.copy() for k, v in state.items()}))
        self.update_count = 0
        self.version = 0          # bumped by every change of the stress, tangent or state (see SpecimenProblem)
        self.state_version = 0    # bumped by every change of the committed state (set, restored, committed, loaded)
        self._tangent_state = -1  # state_version when the tangent was last written
        self._linear_at_fixed_state = all(getattr(g.law, "linear_at_fixed_state", g.law.is_linear) for g in self.groups)

    @property
    def num_points(self) -> int:
        """Quadrature points per cell."""
        return self.points.shape[0]

    def strain_expression(self, strain: ufl.core.expr.Expr) -> fem.Expression:
        """A compiled expression of a 6-component strain at this rule's points (compile once, reuse)."""
        return fem.Expression(strain, self.points)

    def evaluate(self, expression: fem.Expression) -> np.ndarray:
        """Values of a compiled point expression at every local cell, shape (cells, points, ...)."""
        mesh = self.body.mesh
        num_cells = mesh.topology.index_map(mesh.topology.dim)
        cells = np.arange(num_cells.size_local + num_cells.num_ghosts, dtype=np.int32)
        return expression.eval(mesh, cells)

    def update(self, strain: fem.Expression, tangent: bool = True) -> None:
        """Evaluate every law at the strain of ``strain`` (from :meth:`strain_expression`) from the committed state.

        Writes :attr:`stress` and :attr:`tangent` (ghosts included) and keeps the new state as the trial state.
        ``tangent=False`` keeps the tangent already written when that is exact: every law linear at
        fixed state (its tangent depends on the state only) and no state set, restored or committed
        since the tangent was written; otherwise the tangent is written anyway.
        """
        values = self.evaluate(strain)
        stress = self.stress.x.array.reshape(-1, 6)
        tangent_values = self.tangent.x.array.reshape(-1, 6, 6)
        write_tangent = tangent or self._tangent_state != self.state_version or not self._linear_at_fixed_state
        for group in self.groups:
            if not group.cells.size:
                continue
            result = group.law.update(values[group.cells].reshape(-1, 6), group.committed)
            dofs = self._dofs[group.cells].ravel()
            stress[dofs] = result.stress
            if write_tangent:
                tangent_values[dofs] = result.tangent
            group.trial = {k: np.asarray(v) for k, v in result.state.items()}
        if write_tangent:
            self._tangent_state = self.state_version
        self.update_count += 1
        self.version += 1

    def _state_changed(self) -> None:
        """Every change of the committed (or trial) state: the stress, tangent and state are stale."""
        self.version += 1
        self.state_version += 1

    def commit(self) -> None:
        """Accept the trial state (the end of a converged load step)."""
        for group in self.groups:
            group.committed = {k: v.copy() for k, v in group.trial.items()}
        self._state_changed()

    def restore(self) -> None:
        """Forget the trial state (a step that is cut)."""
        for group in self.groups:
            group.trial = {k: v.copy() for k, v in group.committed.items()}
        self._state_changed()

    def set_state(self, name: str, values: np.ndarray) -> None:
        """Set an input state variable (e.g. the damage of :mod:`solvers.fe.phase_field`) at every point.

        ``values`` has shape (local cells, points); it becomes both the committed and the trial
        value of every group whose law has ``name``, so the next :meth:`update` reads it.
        """
        values = np.asarray(values).reshape(-1, self.num_points)
        for group in self.groups:
            if name in group.committed:
                group.committed[name] = values[group.cells].ravel().copy()
                group.trial[name] = group.committed[name].copy()
        self._state_changed()

    def state_snapshot(self) -> dict[str, dict[str, np.ndarray]]:
        """The committed state of every group, ``{key: {name: array (points, ...)}}`` (for checkpoints)."""
        return {group.key: {k: v.copy() for k, v in group.committed.items()} for group in self.groups}

    def load_snapshot(self, snapshot: Mapping[str, Mapping[str, np.ndarray]]) -> None:
        """Set the committed (and trial) state from :meth:`state_snapshot` output of the same mesh and ranks."""
        for group in self.groups:
            saved = snapshot[group.key]
            group.committed = {k: np.array(saved[k]) for k in group.committed}
            group.trial = {k: v.copy() for k, v in group.committed.items()}
        self._state_changed()

    def state_arrays(self) -> dict[str, np.ndarray]:
        """The committed state as flat arrays ``{"group::name": values}`` (for checkpoints)."""
        return {f"{key}::{name}": values for key, state in self.state_snapshot().items() for name, values in state.items()}

    def load_state_arrays(self, arrays: Mapping[str, np.ndarray]) -> None:
        """Set the committed state from :meth:`state_arrays` output (other keys are ignored)."""
        self.load_snapshot({g.key: {name[len(g.key) + 2:]: arrays[name] for name in arrays if name.startswith(g.key + "::")}
                            for g in self.groups})

    def cell_average(self, name: str) -> np.ndarray:
        """Quadrature-weighted cell average of a committed state variable over the owned cells.

        Cells of phases whose law has no such variable get zeros. Shape (owned cells, *shape).
        """
        mesh = self.body.mesh
        num_owned = mesh.topology.index_map(mesh.topology.dim).size_local
        shapes = {tuple(g.law.state_shapes[name]) for g in self.groups if name in g.law.state_shapes}
        if not shapes:
            raise KeyError(f"no law has a state variable '{name}'")
        shape = shapes.pop()
        out = np.zeros((num_owned, *shape))
        w = self.weights / self.weights.sum()
        for group in self.groups:
            if name not in group.committed or not group.cells.size:
                continue
            values = group.committed[name].reshape(group.cells.size, self.num_points, *shape)
            owned = group.cells < num_owned
            out[group.cells[owned]] = np.einsum("q,cq...->c...", w, values[owned])
        return out
