"""The headline numbers of a finished case, read from its ``summary.json`` whatever its analysis.

* the effective stiffness ``C_ij`` (GPa, upper triangle, Voigt indices 1-6: ``C66`` is the 12-12
  shear modulus, also in 2D) and the
  engineering constants (``E1`` ... GPa, ``nu12`` ..., under ``engineering``) where the
  analysis gives them;
* the density (g/cm^3), the dofs, and each phase's volume fraction as meshed
  (``volume_fraction_<phase>``);
* every scalar of the analysis's own section (``summary[type]``, e.g. peak strength in GPa,
  work of fracture in MJ/m^3, J_IC in J/m^2: the names carry the units).
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Real
from typing import Any

__all__ = ["summary_numbers"]

#: Voigt index of a tensor label ("23" -> 4): C44 is the 23-23 shear modulus in 2D and 3D alike.
_VOIGT = {"11": 1, "22": 2, "33": 3, "23": 4, "13": 5, "12": 6}


def _scalars(table: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    return {f"{prefix}{k}": float(v) for k, v in table.items()
            if isinstance(v, Real) and not isinstance(v, bool)}


def summary_numbers(summary: Mapping[str, Any]) -> dict[str, float]:
    """Flat ``{name: value}`` of a case summary's headline numbers (see the module docstring)."""
    numbers: dict[str, float] = {}
    C, order = summary.get("C"), summary.get("voigt_order")
    if C is not None and order is not None:
        for i, row in enumerate(C):
            for j in range(i, len(row)):
                numbers[f"C{_VOIGT[order[i]]}{_VOIGT[order[j]]}"] = float(row[j])
    if isinstance(summary.get("engineering"), Mapping):
        numbers.update(_scalars(summary["engineering"]))
    kind = summary.get("analysis", {}).get("type")
    own = summary.get(kind) if isinstance(kind, str) else None
    if isinstance(own, Mapping):
        numbers.update(_scalars(own))
    fractions = summary.get("volume_fractions")
    if isinstance(fractions, Mapping):
        numbers.update(_scalars(fractions, "volume_fraction_"))
    for key in ("density", "dofs"):
        if isinstance(summary.get(key), Real):
            numbers[key] = float(summary[key])
    return numbers
