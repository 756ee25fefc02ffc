"""Hierarchical (multiscale) cases: the effective stiffness of a lower-scale case becomes an
anisotropic material of the next scale, turned to an orientation.

In case files a phase's material may be ``{ from = "lower_case.toml", euler_deg = [...] }``;
``amorfem run`` runs (or reuses) the lower case first. In Python, turn a result into a material
with :func:`solvers.micromechanics.materials.homogenized_material`. Units: GPa, g/cm^3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from solvers.micromechanics.materials import Material, homogenized_material

__all__ = ["LowerScale"]


@dataclass(frozen=True, eq=False)
class LowerScale:
    """A phase material that is the homogenized stiffness of another case (resolved when run).

    Attributes
    ----------
    case : Case
        The lower-scale case (validated; a 3D stiffness case).
    euler_deg : tuple of float or None
        Orientation of the lower-scale frame in this scale's frame (Bunge, degrees).
    """

    case: Any
    euler_deg: tuple[float, ...] | None = None

    def resolve(self, summary: dict) -> Material:
        """The material, from the lower case's ``summary.json`` contents."""
        return homogenized_material(summary["C"], float(summary["density"]), name=f"homogenized {self.case.name}",
                                    euler_deg=self.euler_deg,
                                    source=f"effective stiffness of case '{self.case.name}' ({self.case.title})")
