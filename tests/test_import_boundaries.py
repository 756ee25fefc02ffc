"""Import boundaries of the package (AST and fresh interpreters).

* ``dolfinx_solver`` is imported in exactly one place, ``meshing/fenicsx.py``; every module that
  imports dolfinx or petsc4py imports ``meshing.fenicsx`` before them.
* The layers import downwards only (README "How it works"):
  ``meshing`` <- ``solvers.micromechanics`` (pure NumPy) <- ``solvers.fe`` <- ``solvers.analyses``
  <- ``solvers.app`` <- ``solvers.studies`` (a study runs cases; the command line reaches it
  from inside a function); ``postprocess`` may import only ``solvers.micromechanics``, and only
  ``solvers.app`` may import ``postprocess``.
* ``meshing`` and ``solvers.micromechanics`` import without DOLFINx; ``solvers`` never imports
  gmsh; ``postprocess`` needs no DOLFINx and imports pyvista/matplotlib only inside functions.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("meshing", "solvers", "postprocess")
STACK = ("dolfinx", "petsc4py")
FE_STACK = {"dolfinx", "petsc4py", "basix", "ufl", "ffcx", "gmsh", "dolfinx_solver"}

#: Layer of a module (by path prefix, most specific first) -> the amorfem layers it may import.
LAYERS = {
    "solvers/micromechanics": ("solvers.micromechanics",),
    "solvers/fe": ("meshing", "solvers.micromechanics", "solvers.fe"),
    "solvers/analyses": ("meshing", "solvers.micromechanics", "solvers.fe", "solvers.analyses"),
    "solvers/app": ("meshing", "solvers", "postprocess"),
    "solvers/studies": ("meshing", "solvers.micromechanics", "solvers.fe", "solvers.analyses", "solvers.app",
                        "solvers.studies"),
    "solvers/__init__.py": (),
    "meshing": ("meshing",),
    "postprocess": ("postprocess", "solvers.micromechanics"),
}


def _modules():
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def _name(path):
    return path.relative_to(ROOT).as_posix()


def _top_level_imports(path):
    """Module-level imports in file order, as dotted names."""
    names = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def _all_imports(path):
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def _layer(path):
    name = _name(path)
    return next(prefix for prefix in LAYERS if name.startswith(prefix))


def test_dolfinx_solver_is_imported_in_one_place():
    importers = [_name(p) for p in _modules() if "dolfinx_solver" in _all_imports(p)]
    assert importers == ["meshing/fenicsx.py"]


@pytest.mark.parametrize("path", list(_modules()), ids=_name)
def test_the_stack_is_loaded_before_dolfinx_or_petsc4py(path):
    imports = _top_level_imports(path)
    stack = [i for i, name in enumerate(imports) if name.split(".")[0] in STACK]
    if stack:
        assert "meshing.fenicsx" in imports
        assert imports.index("meshing.fenicsx") < stack[0]


@pytest.mark.parametrize("path", list(_modules()), ids=_name)
def test_layers_import_only_the_layers_below_them(path):
    allowed = LAYERS[_layer(path)]
    internal = [n for n in _all_imports(path) if n.split(".")[0] in PACKAGES]
    forbidden = [n for n in internal if not any(n == a or n.startswith(a + ".") for a in allowed)]
    assert not forbidden, f"{_name(path)} ({_layer(path)}) imports {forbidden}; allowed: {allowed}"


def test_the_pure_numpy_layer_needs_no_finite_element_stack():
    for path in (ROOT / "solvers" / "micromechanics").rglob("*.py"):
        assert not FE_STACK & {n.split(".")[0] for n in _all_imports(path)}, _name(path)


def test_solvers_never_import_gmsh():
    for path in (ROOT / "solvers").rglob("*.py"):
        assert "gmsh" not in [n.split(".")[0] for n in _all_imports(path)], _name(path)


def test_postprocess_needs_no_dolfinx_and_plots_lazily():
    for path in (ROOT / "postprocess").rglob("*.py"):
        every = {n.split(".")[0] for n in _all_imports(path)}
        top = {n.split(".")[0] for n in _top_level_imports(path)}
        assert not {"dolfinx", "petsc4py", "meshing"} & every, _name(path)
        assert not {"pyvista", "matplotlib", "vtk"} & top, _name(path)


@pytest.mark.parametrize(
    ("modules", "forbidden"),
    [
        ("meshing", "dolfinx"),
        ("solvers, solvers.micromechanics.bounds, solvers.micromechanics.material_library", "dolfinx"),
        ("postprocess.results, postprocess.report, postprocess.views, postprocess.ashby", "dolfinx"),
        ("postprocess.report, postprocess.ashby", "pyvista"),
    ],
)
def test_packages_import_without(modules, forbidden):
    code = f"import sys, {modules}; sys.exit(int('{forbidden}' in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
