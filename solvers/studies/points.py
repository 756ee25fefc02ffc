"""The points of a study: a base case with dotted-key values set, an identity, and its record.

A point's identity is the SHA-256 of its full case input (the base case with the point's values
set, as JSON with sorted keys) and of the code version (:func:`solvers.app.provenance.code_version`):
the same point of the same code is never computed twice, and a changed base case, value or
code gives a new identity, so nothing stale is reused.

A record (:class:`PointRecord`) is what a finished point leaves in the study's folder, written
atomically the moment it finishes: its parameters, status (``ok`` or ``failed`` with the error),
the headline numbers of its analysis, wall time, dofs and ranks. Units are the case's: lengths
nm, moduli and stresses GPa, densities g/cm^3, fracture energies J/m^2, energies per volume
MJ/m^3 (the keys say which).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from solvers.micromechanics.atomic_files import write_text_atomic

__all__ = ["StudyPoint", "PointRecord", "set_dotted", "point_case_data", "point_id", "read_record", "write_record",
           "tied_values"]


def set_dotted(data: dict[str, Any], key: str, value: Any) -> None:
    """Set ``data[a][b][c] = value`` for ``key = "a.b.c"``, refusing a path through a non-table.

    Raises
    ------
    ValueError
        When a part of the path is not a table (e.g. ``materials.interlayer.E`` where the
        interlayer is a library name), or the first part is not a section of the case.
    """
    parts = key.split(".")
    node = data
    if parts[0] not in data:
        raise ValueError(f"parameter '{key}': the base case has no [{parts[0]}] section; sections: {sorted(data)}")
    for depth, part in enumerate(parts[:-1]):
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise ValueError(f"parameter '{key}': '{'.'.join(parts[:depth + 1])}' is {child!r}, not a table; "
                             "write it as an inline table in the base case to vary its entries")
        node = child
    node[parts[-1]] = value


def point_case_data(base: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The base case data with the point's ``{dotted key: value}`` set (a deep copy)."""
    data = copy.deepcopy(dict(base))
    for key, value in values.items():
        set_dotted(data, key, value)
    return data


#: A dotted case key inside a tie's expression ("geometry.interlayer_thickness / 3").
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")

#: What a tie's expression may call besides arithmetic.
_TIE_FUNCTIONS = {"min": min, "max": max, "abs": abs, "round": round, "sqrt": math.sqrt, "log": math.log,
                  "exp": math.exp, "pi": math.pi}


def tied_values(values: Mapping[str, Any], tied: Mapping[str, Callable[[dict[str, Any]], Any] | str]
                ) -> dict[str, Any]:
    """The keys a point sets besides its design values, each a function of those values.

    A tie keeps a case consistent as a parameter varies: the toughness analysis's interface
    thickness follows ``geometry.interlayer_thickness``, or the element size in a layer follows
    its thickness. A rule is a function of the point's ``{dotted key: value}``, or an arithmetic
    expression over its dotted keys (``"min(3.5, geometry.interlayer_thickness / 3)"``; ``min``,
    ``max``, ``abs``, ``round``, ``sqrt``, ``log``, ``exp`` and ``pi`` are known). Values keep the
    case's units (nm, GPa, g/cm^3, J/m^2).

    Raises
    ------
    ValueError
        When an expression names a key the point does not vary, or cannot be evaluated.
    """
    out: dict[str, Any] = {}
    for key, rule in tied.items():
        if callable(rule):
            out[key] = rule(dict(values))
            continue
        if not isinstance(rule, str):
            raise ValueError(f"tie '{key}' = {rule!r} must be an expression (string) or a function of the point")
        names: dict[str, str] = {}

        def name_of(match: re.Match) -> str:
            if match.group(0) not in values:
                raise ValueError(f"tie '{key}' = {rule!r} names '{match.group(0)}', which the design does not vary; "
                                 f"varied: {sorted(values)}")
            return names.setdefault(match.group(0), f"_v{len(names)}")

        expression = _DOTTED.sub(name_of, rule)
        scope = {names[k]: values[k] for k in names}
        try:
            value = eval(expression, {"__builtins__": {}, **_TIE_FUNCTIONS}, scope)  # noqa: S307 (the user's own study)
        except Exception as exc:  # noqa: BLE001
            raise ValueError(f"tie '{key}' = {rule!r} cannot be evaluated at {dict(values)}: {exc}") from None
        out[key] = value
    return out


def point_id(case_data: Mapping[str, Any], code: str) -> str:
    """Identity of a point: 16 hex digits of SHA-256 over its case data and the code version."""
    text = json.dumps({"case": case_data, "code": code}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class StudyPoint:
    """One point of a study.

    Attributes
    ----------
    index : int
        Its place in the design.
    values : dict
        The varied parameters (dotted key to value).
    case_data : dict
        The full case input.
    id : str
        :func:`point_id` of it.
    """

    index: int
    values: dict[str, Any]
    case_data: dict[str, Any]
    id: str


@dataclass
class PointRecord:
    """A finished point (one JSON file in the study's ``points/``).

    Attributes
    ----------
    id, index : str, int
    parameters : dict
        The varied parameters.
    status : {"ok", "failed"}
    error : str
        The exception's type and message for a failed point ("" otherwise).
    numbers : dict of str to float
        The analysis's headline numbers (units in their names or the analysis docs).
    wall_seconds : float
    dofs, ranks : int
    group : int
        The group of ranks that solved it (its index in the study's split).
    code : str
        Code version the point was computed with.
    """

    id: str
    index: int
    parameters: dict[str, Any]
    status: str
    error: str = ""
    numbers: dict[str, float] = field(default_factory=dict)
    wall_seconds: float = 0.0
    dofs: int = 0
    ranks: int = 0
    group: int = 0
    code: str = ""

    def row(self) -> dict[str, Any]:
        """One flat table row: parameters, numbers, then the bookkeeping columns."""
        return {**self.parameters, **self.numbers, "status": self.status, "error": self.error,
                "wall_seconds": self.wall_seconds, "dofs": self.dofs, "ranks": self.ranks, "group": self.group,
                "point_id": self.id}


def write_record(directory: Path, record: PointRecord) -> Path:
    """Write ``directory/points/<id>.json`` atomically; returns its path."""
    path = Path(directory) / "points" / f"{record.id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(asdict(record), indent=1, sort_keys=True, default=float) + "\n")
    return path


def read_record(directory: Path, identity: str) -> PointRecord | None:
    """The record of a point if its file exists and reads whole, else None."""
    path = Path(directory) / "points" / f"{identity}.json"
    try:
        return PointRecord(**json.loads(path.read_text()))
    except (FileNotFoundError, json.JSONDecodeError, TypeError):
        return None
