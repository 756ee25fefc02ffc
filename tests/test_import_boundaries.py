"""Import boundaries of the package (AST and fresh interpreters).

* ``dolfinx_solver`` is imported in exactly one place, ``meshing/fenicsx.py``; every module that
  imports dolfinx or petsc4py imports ``meshing.fenicsx`` before them.
* ``meshing`` imports without DOLFINx; ``solvers`` never imports gmsh; ``postprocess`` needs
  neither DOLFINx nor ``solvers`` and imports pyvista/matplotlib only inside functions.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("meshing", "solvers", "postprocess")
STACK = ("dolfinx", "petsc4py")


def _modules():
    for package in PACKAGES:
        yield from sorted((ROOT / package).glob("*.py"))


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


def test_dolfinx_solver_is_imported_in_one_place():
    importers = [p.relative_to(ROOT).as_posix() for p in _modules() if "dolfinx_solver" in _all_imports(p)]
    assert importers == ["meshing/fenicsx.py"]


@pytest.mark.parametrize("path", list(_modules()), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_stack_is_loaded_before_dolfinx_or_petsc4py(path):
    imports = _top_level_imports(path)
    stack = [i for i, name in enumerate(imports) if name.split(".")[0] in STACK]
    if stack:
        assert "meshing.fenicsx" in imports
        assert imports.index("meshing.fenicsx") < stack[0]


def test_solvers_never_import_gmsh():
    for path in (ROOT / "solvers").glob("*.py"):
        assert "gmsh" not in [n.split(".")[0] for n in _all_imports(path)], path.name


def test_postprocess_needs_neither_dolfinx_nor_solvers_and_plots_lazily():
    for path in (ROOT / "postprocess").glob("*.py"):
        every = [n.split(".")[0] for n in _all_imports(path)]
        top = [n.split(".")[0] for n in _top_level_imports(path)]
        assert not {"dolfinx", "petsc4py", "solvers", "meshing"} & set(every), path.name
        assert not {"pyvista", "matplotlib", "vtk"} & set(top), path.name


@pytest.mark.parametrize(("package", "forbidden"), [("meshing", "dolfinx"), ("postprocess", "dolfinx"), ("postprocess", "pyvista")])
def test_package_imports_without(package, forbidden):
    code = f"import sys, {package}; sys.exit(int('{forbidden}' in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
