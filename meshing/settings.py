"""Mesh-size settings of an RVE (lengths in nm)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["MeshSettings", "Refinement", "ELEMENTS_THROUGH_THICKNESS", "SIZES_PER_THICKNESS", "MESHERS"]

#: A thin feature (layer, coating, shell, film) must get at least this many elements across.
ELEMENTS_THROUGH_THICKNESS = 2

#: The element size in a feature of thickness t must not exceed t / SIZES_PER_THICKNESS to get
#: ELEMENTS_THROUGH_THICKNESS elements across it. An unstructured simplex mesh sized t/2 still
#: has elements spanning the whole layer (measured: 9 of 2185 tetrahedra of a 1 nm layer meshed
#: at 0.5 nm; none of 7939 at t/3), so the rule is t/3 (tests/meshing/test_rve.py checks it).
SIZES_PER_THICKNESS = 3

_ALGORITHMS_3D = {"delaunay": 1, "hxt": 10}

#: Meshers: gmsh's unstructured simplices, or a tensor-product grid for block geometries.
MESHERS = ("gmsh", "tensor")


@dataclass(frozen=True)
class Refinement:
    """A finer element size inside an axis-aligned box (a crack path, a notch tip).

    Parameters
    ----------
    lower, upper : tuple of float
        Opposite corners (nm), 2 or 3 coordinates, ``lower < upper`` on every axis.
    size : float
        Element size inside (nm), > 0.
    """

    lower: tuple[float, ...]
    upper: tuple[float, ...]
    size: float

    def __post_init__(self) -> None:
        lower, upper = tuple(float(v) for v in self.lower), tuple(float(v) for v in self.upper)
        if len(lower) not in (2, 3) or len(upper) != len(lower) or any(b <= a for a, b in zip(lower, upper, strict=True)):
            raise ValueError(f"refinement box lower={list(lower)}, upper={list(upper)} nm must have 2 or 3 coordinates "
                             "each, with lower < upper on every axis")
        if not (isinstance(self.size, (int, float)) and math.isfinite(self.size) and self.size > 0):
            raise ValueError(f"refinement size={self.size!r} nm is not allowed; must be > 0")
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)


@dataclass(frozen=True)
class MeshSettings:
    """How finely to mesh an RVE.

    Parameters
    ----------
    size : float
        Global target element size (nm), > 0.
    phase_size : mapping of str to float
        Finer (or coarser) element size inside named phases (nm), e.g. ``{"interlayer": 0.5}``.
    curvature_elements : int
        Elements per 2*pi of arc on curved interfaces (0 switches curvature refinement off).
    algorithm_3d : {"delaunay", "hxt"}
        gmsh 3D algorithm. HXT is ~4x faster (measured: 5.6 s against 21 s for 5e5
        tetrahedra; reproducible on one thread) but does not keep the finer size inside
        thin layers (measured: 419 of 3536 tetrahedra span a 1 nm layer meshed at 1/3 nm,
        against 0 of 7939 with Delaunay), so it is refused for geometries with layers.
    threads : int
        gmsh threads (1 keeps meshes bit-for-bit reproducible; more is faster with HXT).
    refinements : tuple of Refinement (or mappings with lower, upper, size)
        Boxes with a finer element size (nm).
    mesher : {"gmsh", "tensor"}
        "gmsh": unstructured simplices, sized per phase (every thin layer is meshed at
        thickness / 3 in every direction). "tensor": for geometries of axis-aligned blocks and
        slabs (brick-and-mortar, staggered films, laminates), a tensor-product grid through every
        block face, split into simplices (:mod:`meshing.tensor_grid`): a thin layer gets
        ``layer_elements`` across and the lateral size along, so it costs elements by its area.
    layer_elements : int
        Tensor grid: elements across every interval thinner than the element size (>= 2).
    axis_sizes : tuple of float, optional
        Tensor grid: element size along each axis (nm); default ``size`` along every axis.
    uniform_refinements : int
        gmsh mesher: split every element uniformly this many times after meshing, in parallel
        (each time the element size halves and the cell count grows 8x in 3D;
        :mod:`meshing.uniform_refinement`). gmsh meshes and DOLFINx distributes the coarse mesh
        only; new nodes on curved interfaces go onto the CAD surface. Measured on the sphere RVE,
        2 ranks, 2.0e6 tetrahedra: 9.7 s from the start of gmsh to the refined mesh, against
        32 s when gmsh refined and DOLFINx distributed the fine mesh. The sizes, and the
        thin-feature checks, apply before refinement; the ``.msh`` file written for a case is
        the coarse gmsh mesh. In 3D, geometries with curved interfaces allow one refinement.
    """

    size: float
    phase_size: Mapping[str, float] = field(default_factory=dict)
    curvature_elements: int = 12
    algorithm_3d: str = "delaunay"
    threads: int = 1
    refinements: tuple[Refinement, ...] = ()
    mesher: str = "gmsh"
    layer_elements: int = ELEMENTS_THROUGH_THICKNESS
    axis_sizes: tuple[float, ...] | None = None
    uniform_refinements: int = 0

    def __post_init__(self) -> None:
        refinements = []
        for r in self.refinements:
            if not isinstance(r, Refinement):
                if not isinstance(r, Mapping) or set(r) != {"lower", "upper", "size"}:
                    raise ValueError(f"mesh refinement {r!r} must be a table with exactly lower, upper (nm) and size (nm)")
                r = Refinement(**r)
            refinements.append(r)
        object.__setattr__(self, "refinements", tuple(refinements))
        if not (isinstance(self.size, (int, float)) and math.isfinite(self.size) and self.size > 0):
            raise ValueError(f"mesh size={self.size!r} nm is not allowed; must be > 0")
        for phase, h in self.phase_size.items():
            if not (isinstance(h, (int, float)) and math.isfinite(h) and h > 0):
                raise ValueError(f"mesh phase_size['{phase}']={h!r} nm is not allowed; must be > 0")
        object.__setattr__(self, "phase_size", MappingProxyType(dict(self.phase_size)))
        if not (isinstance(self.curvature_elements, int) and self.curvature_elements >= 0):
            raise ValueError(f"curvature_elements={self.curvature_elements!r} must be an integer >= 0")
        if self.algorithm_3d not in _ALGORITHMS_3D:
            raise ValueError(f"algorithm_3d='{self.algorithm_3d}' is not known; allowed: {sorted(_ALGORITHMS_3D)}")
        if self.mesher not in MESHERS:
            raise ValueError(f"mesher='{self.mesher}' is not known; allowed: {', '.join(MESHERS)}")
        if not (isinstance(self.layer_elements, int) and self.layer_elements >= ELEMENTS_THROUGH_THICKNESS):
            raise ValueError(f"layer_elements={self.layer_elements!r} must be an integer >= {ELEMENTS_THROUGH_THICKNESS}")
        if self.axis_sizes is not None:
            sizes = tuple(self.axis_sizes)
            if not all(isinstance(h, (int, float)) and math.isfinite(h) and h > 0 for h in sizes):
                raise ValueError(f"mesh axis_sizes={list(sizes)} nm are not allowed; each must be > 0")
            if self.mesher != "tensor":
                raise ValueError("mesh axis_sizes applies to mesher='tensor' only")
            object.__setattr__(self, "axis_sizes", tuple(float(h) for h in sizes))
        if not (isinstance(self.uniform_refinements, int) and 0 <= self.uniform_refinements <= 3):
            raise ValueError(f"mesh uniform_refinements={self.uniform_refinements!r} must be an integer in 0..3")
        if self.uniform_refinements and self.mesher != "gmsh":
            raise ValueError("mesh uniform_refinements applies to mesher='gmsh'; refine a tensor grid by its sizes")
        if not (isinstance(self.threads, int) and self.threads >= 1):
            raise ValueError(f"threads={self.threads!r} must be an integer >= 1")

    def size_in(self, phase: str) -> float:
        """Element size (nm) inside ``phase``."""
        return float(self.phase_size.get(phase, self.size))

    @property
    def gmsh_algorithm_3d(self) -> int:
        """gmsh's number for :attr:`algorithm_3d`."""
        return _ALGORITHMS_3D[self.algorithm_3d]
