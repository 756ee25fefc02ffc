"""Case files: TOML text -> the same dataclasses the Python API takes.

A case file (units: nm, GPa, g/cm^3)::

    title = "HA nanocrystal in amorphous alumina"

    [geometry]                      # kind + the parameters of that generator
    kind = "inclusions"
    volume_fraction = 0.2
    box = [20.0, 20.0, 20.0]

    [materials]                     # one entry per phase: library name or inline table
    matrix = "amorphous_Al2O3"
    inclusion = { name = "hydroxyapatite", euler_deg = [0.0, 0.0, 0.0] }
    # or the homogenized stiffness of another (3D) case, turned:
    # rod = { from = "nanowires.toml", euler_deg = [0.0, 30.0, 0.0] }

    [mesh]
    size = 2.0                      # nm
    degree = 1                      # Lagrange degree of the displacement
    phase_size = { }                # optional finer sizes per phase (nm)

    [analysis]
    type = "stiffness"              # any registered analysis (solvers.analyses.ANALYSES)
    bc = "periodic"                 # the analysis's own keys, validated by it

    [solver]
    method = "cg-gamg"              # "cg-gamg" | "mumps"
    rtol = 1e-6

    [output]
    local_fields = true             # cell strain, stress, von Mises of every load case

Every value can be overridden from the command line with ``--set section.key=value``
(the value is read as TOML, e.g. ``--set mesh.size=1.5`` or ``--set analysis.bc='"kubc"'``;
a bare word is taken as a string).
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meshing import GEOMETRIES, body_kind, check_resolution
from meshing.settings import MeshSettings
from solvers.analyses import Analysis, analysis_named
from solvers.app.hierarchy import LowerScale
from solvers.fe.linear_solver import SolverOptions
from solvers.micromechanics.material_library import material_from_spec
from solvers.micromechanics.materials import Material

__all__ = ["Case", "load_case", "parse_case", "apply_overrides", "MAX_DEGREE"]

#: Highest Lagrange degree of the displacement.
MAX_DEGREE = 3
_SECTIONS = {"title", "geometry", "materials", "mesh", "analysis", "solver", "output"}
_OUTPUT_KEYS = {"local_fields"}
_MESH_KEYS = {"size", "degree", "phase_size", "curvature_elements", "algorithm_3d", "threads", "refinements", "mesher",
              "layer_elements", "axis_sizes", "uniform_refinements"}
_SOLVER_KEYS = {"method", "rtol", "max_iterations", "backward_error_tolerance", "petsc_options", "p_multigrid", "preconditioner"}


@dataclass(frozen=True, eq=False)
class Case:
    """A validated case, ready to run.

    Attributes
    ----------
    name : str
        Case name (file stem).
    title : str
        Human-readable title.
    geometry_kind : str
        Generator name (a key of :data:`meshing.GEOMETRIES`).
    geometry : PeriodicGeometry or SpecimenGeometry
        Box and phase shapes of an RVE, or a specimen outline tiled with a microstructure (nm).
    materials : dict of str to Material or LowerScale
        Material of every phase (a ``LowerScale`` is resolved when the case runs).
    mesh : MeshSettings
        Element sizes (nm).
    degree : int
        Lagrange degree of the displacement.
    analysis : Analysis
        The registered analysis of ``[analysis] type``.
    settings : object
        Its settings, validated by the analysis from the rest of the ``[analysis]`` table.
    solver : SolverOptions
    local_fields : bool
        Write cell strain/stress/von Mises fields of every load case (``[output] local_fields``).
    data : dict
        The case as read, with overrides applied (written back next to the results).
    """

    name: str
    title: str
    geometry_kind: str
    geometry: Any
    materials: dict[str, Material | LowerScale]
    mesh: MeshSettings
    degree: int
    analysis: Analysis
    settings: Any
    solver: SolverOptions
    local_fields: bool
    data: dict[str, Any]

    @property
    def digest(self) -> str:
        """SHA-256 of the case data: equal digests mean the same inputs."""
        return hashlib.sha256(json.dumps(self.data, sort_keys=True).encode()).hexdigest()


def _parse_value(text: str) -> Any:
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(data: Mapping[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """A copy of ``data`` with ``section.key=value`` overrides applied (values read as TOML)."""
    result = copy.deepcopy(dict(data))
    for item in overrides:
        if "=" not in item:
            raise ValueError(f"--set '{item}' must look like section.key=value")
        key, text = item.split("=", 1)
        parts = key.strip().split(".")
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"--set '{item}': '{part}' is not a table")
        node[parts[-1]] = _parse_value(text.strip())
    return result


def _check_keys(where: str, table: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ValueError(f"{where} has unknown keys {unknown}; allowed: {sorted(allowed)}")


def _geometry(table: Mapping[str, Any]) -> tuple[str, Any]:
    params = dict(table)
    kind = params.pop("kind", None)
    if kind not in GEOMETRIES:
        raise ValueError(f"[geometry] kind={kind!r} is not known; allowed: {sorted(GEOMETRIES)}")
    make = GEOMETRIES[kind]
    allowed = set(inspect.signature(make).parameters)
    _check_keys(f"[geometry] kind='{kind}'", params, allowed)
    try:
        return kind, make(**params)
    except TypeError as exc:
        raise ValueError(f"[geometry] kind='{kind}': {exc}; parameters: {sorted(allowed)}") from exc


_FROM_KEYS = {"from", "euler_deg"}


def _lower_scale(spec: Mapping[str, Any], phase: str, base_dir: Path, stack: tuple[Path, ...]) -> tuple[LowerScale, dict]:
    """A phase material from another case file, and the spec as recorded (with that case's digest)."""
    unknown = sorted(set(spec) - _FROM_KEYS)
    if unknown:
        raise ValueError(f"material of phase '{phase}': unknown keys {unknown} with 'from'; allowed: {sorted(_FROM_KEYS)}")
    path = (base_dir / spec["from"]).resolve()
    if path in stack:
        raise ValueError(f"material of phase '{phase}': case '{path}' refers back to itself through 'from'")
    try:
        lower = load_case(path, stack=(*stack, path))
    except ValueError as exc:
        raise ValueError(f"lower-scale case '{spec['from']}' (material of phase '{phase}'): {exc}") from exc
    if lower.analysis.name != "stiffness":
        raise ValueError(f"material of phase '{phase}': the lower-scale case '{path.name}' is a '{lower.analysis.name}' "
                         "analysis; a material needs a 'stiffness' case")
    if lower.geometry.box.dim != 3:
        raise ValueError(f"material of phase '{phase}': the lower-scale case '{path.name}' is 2D; a material needs a 3D RVE")
    euler = spec.get("euler_deg")
    if euler is not None and len(euler) != 3:
        raise ValueError(f"material of phase '{phase}': euler_deg={list(euler)} must hold 3 angles (degrees)")
    recorded = {"from": str(spec["from"]), "euler_deg": euler, "lower_digest": lower.digest}
    return LowerScale(lower, None if euler is None else tuple(map(float, euler))), recorded


def parse_case(
    data: Mapping[str, Any], name: str = "case", base_dir: str | Path = ".", stack: tuple[Path, ...] = ()
) -> Case:
    """Validate case data (a parsed TOML document) into a :class:`Case`.

    All checks that need no mesh run here, before any expensive work: geometry parameters,
    materials (names, ranges, positive definiteness), one material per phase, mesh sizes
    and whether they resolve every thin feature, analysis and solver choices.

    Parameters
    ----------
    data : mapping
        The parsed case.
    name : str
        Case name.
    base_dir : path
        Folder that ``from = "..."`` material paths are relative to.
    stack : tuple of path
        Case files already being read (to refuse a chain that refers back to itself).

    Raises
    ------
    ValueError
        Naming the parameter, its value and what is allowed.
    """
    data = copy.deepcopy(dict(data))
    _check_keys("the case", data, _SECTIONS)
    for section in ("geometry", "materials", "mesh"):
        if not isinstance(data.get(section), Mapping):
            raise ValueError(f"the case needs a [{section}] table")
    kind, geometry = _geometry(data["geometry"])

    materials_table = data["materials"]
    phases = set(geometry.phase_names)
    missing, extra = sorted(phases - set(materials_table)), sorted(set(materials_table) - phases)
    if missing or extra:
        raise ValueError(
            f"[materials] must name one material per phase {sorted(phases)}"
            + (f"; missing {missing}" if missing else "")
            + (f"; no phase named {extra}" if extra else "")
        )
    materials: dict[str, Material | LowerScale] = {}
    for phase, spec in materials_table.items():
        if isinstance(spec, Mapping) and "from" in spec:
            materials[phase], data["materials"][phase] = _lower_scale(spec, phase, Path(base_dir), stack)
        else:
            materials[phase] = material_from_spec(spec, label=phase)

    mesh_table = dict(data["mesh"])
    _check_keys("[mesh]", mesh_table, _MESH_KEYS)
    if "size" not in mesh_table:
        raise ValueError("[mesh] needs 'size' (global element size in nm)")
    degree = mesh_table.pop("degree", 1)
    if "refinements" in mesh_table:
        mesh_table["refinements"] = tuple(mesh_table["refinements"])
    if not (isinstance(degree, int) and 1 <= degree <= MAX_DEGREE):
        raise ValueError(f"[mesh] degree={degree!r} is outside the allowed range 1..{MAX_DEGREE}")
    unknown_phases = sorted(set(mesh_table.get("phase_size", {})) - phases)
    if unknown_phases:
        raise ValueError(f"[mesh] phase_size names {unknown_phases}, which are not phases {sorted(phases)}")
    mesh = MeshSettings(**mesh_table)
    check_resolution(geometry, mesh)

    analysis_table = dict(data.get("analysis", {}))
    analysis = analysis_named(analysis_table.pop("type", "stiffness"))
    settings = analysis.parse(analysis_table)
    kind_of_body = body_kind(geometry)
    if kind_of_body not in analysis.bodies:
        raise ValueError(f"[analysis] type='{analysis.name}' runs on {' or '.join(analysis.bodies)} geometries; "
                         f"[geometry] kind='{kind}' builds a {kind_of_body}")
    wanted = getattr(settings, "body_kind", None)  # settings may need one kind of body (toughness: its mode)
    if wanted is not None and wanted != kind_of_body:
        raise ValueError(f"[analysis] these {analysis.name} settings run on a {wanted} geometry; "
                         f"[geometry] kind='{kind}' builds a {kind_of_body}")
    if analysis.check is not None:
        analysis.check(settings, geometry.box.dim)

    solver_table = dict(data.get("solver", {}))
    _check_keys("[solver]", solver_table, _SOLVER_KEYS)
    solver = SolverOptions(**solver_table)

    output_table = dict(data.get("output", {}))
    _check_keys("[output]", output_table, _OUTPUT_KEYS)
    write_local = output_table.get("local_fields", True)
    if not isinstance(write_local, bool):
        raise ValueError(f"[output] local_fields={write_local!r} must be true or false")
    return Case(
        name=name,
        title=str(data.get("title", name)),
        geometry_kind=kind,
        geometry=geometry,
        materials=materials,
        mesh=mesh,
        degree=degree,
        analysis=analysis,
        settings=settings,
        solver=solver,
        local_fields=write_local,
        data=data,
    )


def load_case(path: str | Path, overrides: Sequence[str] = (), stack: tuple[Path, ...] = ()) -> Case:
    """Read, override and validate a TOML case file.

    Parameters
    ----------
    path : path
        The ``.toml`` case file.
    overrides : sequence of str
        ``section.key=value`` overrides (values read as TOML).

    Returns
    -------
    Case
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"case file '{path}' does not exist")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"case file '{path}' is not valid TOML: {exc}") from exc
    return parse_case(apply_overrides(data, overrides), name=path.stem, base_dir=path.parent,
                      stack=stack or (path.resolve(),))
