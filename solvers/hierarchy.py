"""Hierarchical (multiscale) homogenization: the effective stiffness of one RVE becomes an
anisotropic material of the next scale, turned to an orientation.

In Python::

    bundle = effective_stiffness(nanowire_rve, materials)
    rod_material = homogenized_material(bundle, "bundle", density=..., euler_deg=[0, 30, 0])

In case files a phase's material may be ``{ from = "lower_case.toml", euler_deg = [...] }``;
``amorfem run`` runs (or reuses) the lower case first. Units: GPa, g/cm^3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from solvers.materials import Material, anisotropic

__all__ = ["homogenized_material", "LowerScale"]


def homogenized_material(
    result: Any,
    name: str,
    density: float | None = None,
    euler_deg: Sequence[float] | None = None,
    source: str | None = None,
) -> Material:
    """An anisotropic material whose stiffness is an RVE's effective stiffness.

    Parameters
    ----------
    result : StiffnessResult or dict
        A 3D result (``C`` 6x6, GPa) or the contents of its ``summary.json``.
    name : str
        Material name.
    density : float, optional
        Density (g/cm^3); default the result's effective density.
    euler_deg : sequence of 3 floats, optional
        Bunge angles (degrees) turning the lower-scale frame into this scale's frame.
    source : str, optional
        Provenance text.

    Returns
    -------
    Material
    """
    C = np.array(result["C"] if isinstance(result, dict) else result.C, dtype=float)
    if C.shape != (6, 6):
        raise ValueError(f"material '{name}': a lower scale must be a 3D RVE (6x6 stiffness), got a {C.shape[0]}x{C.shape[1]} "
                         "(plane-strain) result")
    rho = float(result["density"] if isinstance(result, dict) else result.density) if density is None else density
    C = 0.5 * (C + C.T)
    return anisotropic(C, rho, euler_deg=euler_deg, name=name, source=source or "homogenized lower scale")


@dataclass(frozen=True, eq=False)
class LowerScale:
    """A phase material that is the homogenized stiffness of another case (resolved when run).

    Attributes
    ----------
    case : Case
        The lower-scale case (validated).
    euler_deg : tuple of float or None
        Orientation of the lower-scale frame in this scale's frame (Bunge, degrees).
    """

    case: Any
    euler_deg: tuple[float, ...] | None = None

    def resolve(self, summary: dict) -> Material:
        """The material, from the lower case's summary."""
        return homogenized_material(summary, name=f"homogenized {self.case.name}", euler_deg=self.euler_deg,
                                    source=f"effective stiffness of case '{self.case.name}' ({self.case.title})")
