"""Benchmark: microstructure generation and meshing time, one core.

The reference requirement: a 3D RVE with 100 spheres at 30 vol% meshes in under 60 s on one
core. Measured for it and for the other crystal-amorphous generators: the time to place the
particles / build the tessellation (``generate``), the gmsh build and mesh (``gmsh``) and the
whole :func:`meshing.rve.build_rve` including the DOLFINx mesh (``rve``), with cell and node
counts and the achieved volume fractions. gmsh runs on one thread (``MeshSettings.threads = 1``)
and DOLFINx on one rank. Sizes are in nm (a 50 nm cube for the spheres).

Results go to ``benchmarks/results/generation.json`` (rewritten after each record, so a killed
run keeps what it measured). Usage: ``.venv/bin/python benchmarks/generation.py``.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _records() -> list[tuple[str, Callable, dict]]:
    from meshing import (MeshSettings, bionic_leaf_geometry, core_shell_geometry, particles_geometry,
                         polycrystal_geometry)

    sphere_radius = (0.3 * 50.0**3 * 3 / (4 * math.pi * 100)) ** (1 / 3)
    coarsest = 2 * sphere_radius / 3  # the coarsest size the resolution check accepts
    return [
        ("100 spheres, 30 vol%, 50 nm cube, size d/3",
         lambda: particles_geometry(100, 0.3, (50.0, 50.0, 50.0), seed=0), dict(settings=MeshSettings(size=coarsest))),
        ("100 spheres, 30 vol%, 50 nm cube, size d/5",
         lambda: particles_geometry(100, 0.3, (50.0, 50.0, 50.0), seed=0),
         dict(settings=MeshSettings(size=2 * sphere_radius / 5))),
        ("40 spheres, 45 vol%, 30 nm cube (collective rearrangement)",
         lambda: particles_geometry(40, 0.45, (30.0, 30.0, 30.0), seed=0), dict(settings=MeshSettings(size=1.5))),
        ("30 prolate spheroids (aspect 2), 20 vol%, random orientation",
         lambda: particles_geometry(30, 0.2, (30.0, 30.0, 30.0), shape="ellipsoid", aspect_ratio=2.0, seed=0),
         dict(settings=MeshSettings(size=1.2))),
        ("30 cubes, 20 vol%, random orientation",
         lambda: particles_geometry(30, 0.2, (30.0, 30.0, 30.0), shape="cube", seed=0),
         dict(settings=MeshSettings(size=1.2))),
        ("30 cubes, 40 vol%, random orientation (Monte Carlo compression)",
         lambda: particles_geometry(30, 0.4, (30.0, 30.0, 30.0), shape="cube", seed=0),
         dict(settings=MeshSettings(size=1.2))),
        ("30 prolate spheroids (aspect 2), 40 vol% (Monte Carlo compression)",
         lambda: particles_geometry(30, 0.4, (30.0, 30.0, 30.0), shape="ellipsoid", aspect_ratio=2.0, seed=0),
         dict(settings=MeshSettings(size=1.2))),
        ("8 core-shell spheres, 30 vol%, 1 nm shells",
         lambda: core_shell_geometry(8, 0.3, (30.0, 30.0, 30.0), shell_thickness=1.0, seed=0),
         dict(settings=MeshSettings(size=1.5, phase_size={"shell": 0.33, "core": 1.0}))),
        ("polycrystal, 50 grains, no film",
         lambda: polycrystal_geometry(50, (30.0, 30.0, 30.0), seed=0), dict(settings=MeshSettings(size=1.0))),
        ("polycrystal, 20 grains, 1 nm amorphous films",
         lambda: polycrystal_geometry(20, (20.0, 20.0, 20.0), film_thickness=1.0, seed=0),
         dict(settings=MeshSettings(size=1.0, phase_size={"film": 0.33}))),
        ("bionic leaf, 2D Voronoi network, 12 cells",
         lambda: bionic_leaf_geometry(2.0, 20.0, network="voronoi", cells=12, seed=0),
         dict(settings=MeshSettings(size=2.0, phase_size={"vein": 0.66}))),
        ("bionic leaf, 4 nm sheet, Voronoi network, 12 cells",
         lambda: bionic_leaf_geometry(2.0, 20.0, network="voronoi", cells=12, sheet_thickness=4.0, seed=0),
         dict(settings=MeshSettings(size=2.0, phase_size={"vein": 0.66}))),
    ]


def main() -> int:
    from mpi4py import MPI

    from meshing.rve import build_rve
    from solvers.app.output import write_json_atomic

    out_file = ROOT / "benchmarks" / "results" / "generation.json"
    records = []
    for name, make, options in _records():
        start = time.perf_counter()
        geometry = make()
        generate = time.perf_counter() - start
        start = time.perf_counter()
        rve = build_rve(geometry, options["settings"], comm=MPI.COMM_SELF)
        total = time.perf_counter() - start
        records.append({
            "name": name, "dim": geometry.box.dim, "box_nm": list(geometry.box.lengths),
            "shapes": len(geometry.shapes), "mesh_size_nm": options["settings"].size,
            "phase_size_nm": dict(options["settings"].phase_size),
            "cells": int(rve.mesh.topology.index_map(geometry.box.dim).size_global),
            "nodes": int(rve.mesh.geometry.index_map().size_global),
            "volume_fractions": rve.volume_fractions, "geometric_volume_fractions": rve.geometric_volume_fractions,
            "seconds": {"generate": generate, "gmsh": rve.mesh_seconds, "rve": total, "total": generate + total},
        })
        write_json_atomic(out_file, {"units": {"time": "s", "length": "nm"}, "threads": 1, "ranks": 1, "records": records})
        r = records[-1]
        print(f"{name:62s} {r['cells']:>8d} cells  generate {generate:5.1f} s  gmsh {rve.mesh_seconds:5.1f} s  "
              f"total {r['seconds']['total']:5.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
