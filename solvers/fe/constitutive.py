"""Constitutive laws as objects: stress, consistent tangent and state at quadrature points.

A law maps the strain at ``n`` points to the stress and the consistent tangent there, given the
state it left at the last accepted load step (plastic strain, hardening variables, a damage
history, ...). Laws are pure NumPy and vectorised over all points of a phase: never a Python
loop over points. :class:`solvers.fe.quadrature.QuadratureLaws` evaluates them on a mesh, phase
by phase, and keeps their state.

Conventions: strains and stresses are 6-component Voigt vectors (11, 22, 33, 23, 13, 12; shear
strains engineering) in 2D too (see :mod:`solvers.fe.kinematics`), tangents 6x6 Voigt matrices.
Units: stress and tangent in GPa, strain dimensionless.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np

from solvers.micromechanics.materials import Material

__all__ = ["LawUpdate", "ConstitutiveLaw", "MaterialLaw", "LinearElastic", "elastic_laws", "has_symmetric_tangent"]


@dataclass(frozen=True, eq=False)
class LawUpdate:
    """What a law returns for ``n`` points.

    Attributes
    ----------
    stress : numpy.ndarray, shape (n, 6)
        Voigt stress (GPa).
    tangent : numpy.ndarray, shape (n, 6, 6)
        Consistent tangent d(stress)/d(strain) (GPa); not symmetric for non-associated flow.
    state : dict of str to numpy.ndarray
        The state after this strain, each of shape (n, *shape) (see ``state_shapes``); it becomes
        the law's state only when the load step is accepted.
    """

    stress: np.ndarray
    tangent: np.ndarray
    state: dict[str, np.ndarray] = field(default_factory=dict)


@runtime_checkable
class ConstitutiveLaw(Protocol):
    """A phase's stress-strain law, evaluated at quadrature points."""

    name: str

    @property
    def is_linear(self) -> bool:
        """True when the stress is a fixed linear function of the strain (no state)."""

    @property
    def state_shapes(self) -> Mapping[str, tuple[int, ...]]:
        """Name -> shape per point of every state variable (empty for a law without state)."""

    def elastic_stiffness(self) -> np.ndarray:
        """Initial (elastic) Voigt stiffness, 6x6 (GPa)."""

    def initial_state(self, n: int) -> dict[str, np.ndarray]:
        """The state of ``n`` virgin points."""

    def update(self, strain: np.ndarray, state: Mapping[str, np.ndarray]) -> LawUpdate:
        """Stress, tangent and new state at points of strain ``strain`` (n, 6) from ``state``."""


@dataclass(frozen=True, eq=False)
class MaterialLaw:
    """What the laws of one phase material share: its name, its elastic stiffness, zero initial state.

    Subclasses list their state in ``state`` (name -> shape per point) and implement ``update``.
    """

    material: Material

    #: Name -> shape per point of the state (zeros initially).
    state: ClassVar[Mapping[str, tuple[int, ...]]] = {}

    @property
    def name(self) -> str:
        """The material's name."""
        return self.material.name

    @property
    def is_linear(self) -> bool:
        """True only for a law without state (overridden by :class:`LinearElastic`)."""
        return False

    @property
    def linear_at_fixed_state(self) -> bool:
        """True when the stress is linear in the strain while the state is held (one linear solve
        then is the displacement step: e.g. a damaged elastic law without split)."""
        return self.is_linear

    @property
    def state_shapes(self) -> Mapping[str, tuple[int, ...]]:
        """Name and shape per point of every state variable."""
        return dict(self.state)

    def elastic_stiffness(self) -> np.ndarray:
        """The material's (undamaged, unyielded) Voigt stiffness (GPa)."""
        return self.material.stiffness

    def initial_state(self, n: int) -> dict[str, np.ndarray]:
        """Virgin points: every state variable zero."""
        return {name: np.zeros((n, *shape)) for name, shape in self.state.items()}


@dataclass(frozen=True, eq=False)
class LinearElastic(MaterialLaw):
    """Linear elasticity: ``sigma = C eps`` with the material's Voigt stiffness (GPa), no state.

    Parameters
    ----------
    material : Material
        The phase material (sample-frame stiffness, GPa).
    """

    @property
    def is_linear(self) -> bool:
        """Always True."""
        return True

    def update(self, strain: np.ndarray, state: Mapping[str, np.ndarray]) -> LawUpdate:
        """``sigma = C eps`` at every point; the tangent is C."""
        C = self.material.stiffness
        n = strain.shape[0]
        return LawUpdate(stress=strain @ C.T, tangent=np.broadcast_to(C, (n, 6, 6)), state={})


def elastic_laws(materials: Mapping[str, Material]) -> dict[str, LinearElastic]:
    """A linear elastic law for every phase's material."""
    return {phase: LinearElastic(material) for phase, material in materials.items()}


def has_symmetric_tangent(law: ConstitutiveLaw) -> bool:
    """True when the law's consistent tangent is symmetric (elastic, J2, associated Drucker-Prager;
    a Drucker-Prager flow with dilatancy other than 1 is non-associated)."""
    data = getattr(getattr(law, "material", None), "plasticity", None)
    return data is None or getattr(data, "dilatancy", 1.0) == 1.0
