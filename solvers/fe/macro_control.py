"""Mixed macroscopic control of a periodic RVE: which strains follow a path, which stresses are held.

The macroscopic strain is written in a frame (a basis of strain directions ``d_i``, the columns
of ``basis``): ``E = sum_i xi_i d_i``. Controlled components ``xi_i`` follow a prescribed path;
every other active component is free, and its work-conjugate stress ``d_k . Sigma`` is held at a
target (usually 0). In the lab frame (``basis`` the identity) this is plain Voigt mixed
control; uniaxial tension along any direction ``n`` uses the frame whose first axis is ``n``.

Voigt convention of :mod:`solvers.micromechanics.voigt` (engineering shear strains, GPa). In 2D
the active components are 11, 22, 33, 12: the uniform out-of-plane strain 33 is free with
``Sigma33 = 0`` (generalized plane strain: a prismatic microstructure in uniaxial stress) or held at
zero (``out_of_plane = "plane_strain"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from solvers.micromechanics.voigt import (
    GENERALIZED_PLANE_STRAIN_INDICES,
    tensor_from_voigt,
    voigt_from_tensor,
    voigt_index,
    voigt_labels,
)

__all__ = ["MacroControl", "strain_rotation", "frame_from_direction", "CONTROLS"]

#: Control presets of case files.
CONTROLS = ("uniaxial", "biaxial", "pure_shear", "hydrostatic", "custom")


def strain_rotation(R: np.ndarray) -> np.ndarray:
    """The 6x6 matrix mapping frame Voigt strains to lab Voigt strains for a rotation ``R`` (frame -> lab).

    Stresses transform with its transpose the other way (``Sigma_frame = T^T Sigma_lab``), which
    keeps ``Sigma . E`` invariant.
    """
    T = np.zeros((6, 6))
    for j in range(6):
        e = np.zeros(6)
        e[j] = 1.0
        T[:, j] = voigt_from_tensor(R @ tensor_from_voigt(e, engineering=True) @ R.T, engineering=True)
    return T


def frame_from_direction(direction: Sequence[float], dim: int) -> np.ndarray:
    """The smallest rotation taking x1 onto ``direction`` (normalised): a turn about x3 in 2D, the
    identity along x1."""
    n = np.zeros(3)
    n[: len(direction)] = direction
    norm = np.linalg.norm(n)
    if not norm > 0 or (dim == 2 and abs(n[2]) > 1e-12 * norm):
        raise ValueError(f"direction={list(direction)} must be a non-zero vector" + (" in the x1-x2 plane" if dim == 2 else ""))
    n = n / norm
    e1 = np.array([1.0, 0.0, 0.0])
    axis = np.cross(e1, n)
    s, c = np.linalg.norm(axis), float(n @ e1)
    if s < 1e-14:
        return np.eye(3) if c > 0 else np.diag([-1.0, -1.0, 1.0])
    k = axis / s
    K = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + s * K + (1 - c) * K @ K


@dataclass(frozen=True, eq=False)
class MacroControl:
    """Which macroscopic strain components follow a path, and which stresses are held.

    Parameters
    ----------
    dim : int
        2 or 3.
    basis : numpy.ndarray, shape (6, 6)
        Strain directions (columns, lab Voigt, engineering shears) of the frame components.
    controlled : tuple of int
        Frame components that follow the path.
    path : numpy.ndarray, shape (knots, len(controlled))
        Values of the controlled components at the path's knots (dimensionless strain), the first
        row the starting strain (usually 0).
    stress_targets : mapping of int to float
        Held stress of free frame components (GPa); absent ones are 0.
    labels : tuple of str
        Names of the frame components, for output ("11'", ...).
    """

    dim: int
    basis: np.ndarray
    controlled: tuple[int, ...]
    path: np.ndarray
    stress_targets: Mapping[int, float] = field(default_factory=dict)
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.dim not in (2, 3):
            raise ValueError(f"dim={self.dim} must be 2 or 3")
        basis = np.asarray(self.basis, dtype=float)
        if basis.shape != (6, 6) or abs(np.linalg.det(basis)) < 1e-12:
            raise ValueError("the control basis must be an invertible 6x6 matrix")
        path = np.atleast_2d(np.asarray(self.path, dtype=float))
        if path.shape[1] != len(self.controlled) or path.shape[0] < 2:
            raise ValueError(f"the path needs at least 2 knots of {len(self.controlled)} controlled strain(s); "
                             f"got shape {path.shape}")
        if not np.all(np.isfinite(path)):
            raise ValueError("the path has non-finite strains")
        if not set(self.controlled) <= set(self.active):
            raise ValueError(f"controlled components {self.controlled} are not all active {self.active} in {self.dim}D")
        unknown = set(self.stress_targets) - set(self.free)
        if unknown:
            raise ValueError(f"stress targets given for components {sorted(unknown)} that are not free {self.free}")
        object.__setattr__(self, "basis", basis)
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "stress_targets", dict(self.stress_targets))
        if not self.labels:
            object.__setattr__(self, "labels", voigt_labels(3))

    @property
    def active(self) -> tuple[int, ...]:
        """Frame components that exist: all six in 3D; 11, 22, 33, 12 in 2D."""
        return tuple(range(6)) if self.dim == 3 else tuple(GENERALIZED_PLANE_STRAIN_INDICES)

    @property
    def free(self) -> tuple[int, ...]:
        """Active frame components whose strain is an unknown and whose stress is held."""
        return tuple(k for k in self.active if k not in self.controlled)

    @property
    def knots(self) -> np.ndarray:
        """Pseudo-times of the knots in [0, 1], proportional to the strain travelled between them."""
        lengths = np.linalg.norm(np.diff(self.path, axis=0), axis=1)
        if not lengths.sum() > 0:
            raise ValueError("the path does not move: every knot has the same strain")
        return np.concatenate([[0.0], np.cumsum(lengths) / lengths.sum()])

    def controlled_at(self, t: float) -> np.ndarray:
        """Controlled strains at pseudo-time ``t`` in [0, 1] (linear between knots)."""
        return np.array([np.interp(t, self.knots, self.path[:, j]) for j in range(len(self.controlled))])

    def target_vector(self) -> np.ndarray:
        """Held stresses of the free components, in the order of :attr:`free` (GPa)."""
        return np.array([self.stress_targets.get(k, 0.0) for k in self.free])

    def strain(self, xi: np.ndarray) -> np.ndarray:
        """Lab Voigt macro strain of frame components ``xi`` (6,)."""
        return self.basis @ xi

    def frame_stress(self, stress: np.ndarray) -> np.ndarray:
        """Frame components ``d_i . Sigma`` of a lab Voigt macro stress (GPa)."""
        return self.basis.T @ stress

    @property
    def loaded(self) -> int:
        """The first controlled component: the one a stress-strain curve is drawn along."""
        return self.controlled[0]

    @property
    def sense(self) -> float:
        """+1 or -1: the sign of the loaded component's largest knot (curves are drawn with loading positive)."""
        dominant = int(np.abs(self.path[:, 0]).argmax())
        return float(np.sign(self.path[dominant, 0])) or 1.0

    @classmethod
    def build(cls, dim: int, control: str, strain: Sequence[float] | Mapping[str, Sequence[float]],
              direction: Sequence[float] | None = None, ratio: float = 1.0, component: str = "12",
              stress: Mapping[str, float] | None = None, out_of_plane: str = "free") -> MacroControl:
        """A control from case-file words.

        Parameters
        ----------
        dim : int
            2 or 3.
        control : {"uniaxial", "biaxial", "pure_shear", "hydrostatic", "custom"}
            ``uniaxial``: the strain along ``direction`` follows ``strain``, every other stress 0.
            ``biaxial``: e11 follows ``strain`` and e22 = ``ratio`` e11, the rest stress-free.
            ``pure_shear``: the engineering shear ``component`` follows ``strain``.
            ``hydrostatic``: e11 = e22 = e33 follow ``strain``, shears stress-free.
            ``custom``: ``strain`` maps Voigt labels to their knots; every other stress held at
            ``stress`` (default 0).
        strain : sequence of float or mapping
            Knots of the controlled strain (dimensionless); ``[0.0, 0.05]`` loads to 5 %.
        direction : sequence of float, optional
            Loading direction of ``uniaxial`` (default x1).
        out_of_plane : {"free", "plane_strain"}
            2D only: e33 free with Sigma33 = 0, or held at 0.
        """
        if control not in CONTROLS:
            raise ValueError(f"[analysis] control={control!r} is not known; allowed: {', '.join(CONTROLS)}")
        if out_of_plane not in ("free", "plane_strain"):
            raise ValueError(f"[analysis] out_of_plane={out_of_plane!r} is not known; allowed: free, plane_strain")
        basis, labels = np.eye(6), voigt_labels(3)
        stress = dict(stress or {})
        if control == "custom":
            if not isinstance(strain, Mapping) or not strain:
                raise ValueError("[analysis] control='custom' needs strain = { label = [knots], ... }")
            controlled = [voigt_index(label) for label in strain]
            knots = {len(v) for v in strain.values()}
            if len(knots) != 1:
                raise ValueError(f"[analysis] every controlled strain needs the same number of knots; got {sorted(knots)}")
            path = np.column_stack([np.asarray(v, dtype=float) for v in strain.values()])
        else:
            if isinstance(strain, Mapping):
                raise ValueError(f"[analysis] control='{control}' takes strain as a list of knots, e.g. [0.0, 0.05]")
            knots = np.asarray(strain, dtype=float)
            if control == "uniaxial":
                R = frame_from_direction(direction if direction is not None else (1.0, 0.0, 0.0), dim)
                basis = strain_rotation(R)
                labels = tuple(f"{label}'" if not np.allclose(R, np.eye(3)) else label for label in voigt_labels(3))
                controlled, path = [0], knots[:, None]
            elif control == "biaxial":
                controlled, path = [0, 1], np.column_stack([knots, ratio * knots])
            elif control == "pure_shear":
                controlled, path = [voigt_index(component)], knots[:, None]
            else:
                controlled, path = [0, 1, 2], np.column_stack([knots, knots, knots])
        if dim == 2:
            if any(c in (3, 4) for c in controlled):
                raise ValueError("[analysis] in 2D the out-of-plane shears 23 and 13 cannot be controlled")
            if out_of_plane == "plane_strain" and 2 not in controlled:
                controlled = [*controlled, 2]
                path = np.column_stack([path, np.zeros(path.shape[0])])
        targets = {}
        for label, value in stress.items():
            k = voigt_index(label)
            targets[k] = float(value)
        return cls(dim=dim, basis=basis, controlled=tuple(controlled), path=path, stress_targets=targets, labels=labels)
