"""Peer benchmark: amorfem and fedoo homogenize the same periodic sphere meshes.

The RVE is that of ``benchmarks/homogenization.py``: a 1 nm unit cube with one sphere
(E=70 GPa, nu=0.2, 20 vol%) in a matrix (E=3 GPa, nu=0.35). Every element size is meshed once
by amorfem's gmsh pipeline (:func:`meshing.rve.build_rve`, 1 thread, so reproducible) into a
``.msh`` file that both codes then read, so "the same mesh" is the same file (its SHA-256 is in
every record). The peer is fedoo (``fd.homogen.get_tangent_stiffness``, periodic BCs on a
periodic mesh, direct solver); see ``benchmarks/peers/README.md`` to install it.

Two questions:

1. Agreement: on one mesh, with direct solvers on both sides (amorfem ``method="mumps"``,
   fedoo's direct backend), the two effective stiffnesses must agree to
   :data:`AGREEMENT_TOLERANCE` (max |C_amorfem - C_fedoo| / max |C_amorfem|); P1 (tet4) and,
   where fedoo runs it, P2 (tet10r). A failed agreement makes the script exit 1.
2. Cost at equal accuracy of C44 (the mean of the three shear diagonal entries, cubic
   symmetry): the reference is amorfem's P2 C44 on the finest P2 mesh (a Richardson
   extrapolation of the two finest P2 meshes is reported beside it as its error estimate);
   for each target of :data:`TARGETS`, the cheapest run of each code whose C44 is within the
   target, and the ratio of their wall times.

Every run is a fresh single-process worker (one thread: OMP/OpenBLAS/MKL threads = 1). Its
"homogenization" wall time is everything after the mesh file is read: for amorfem
``effective_stiffness`` (spaces, periodic fold, assembly, factorisation, 6 solves, moduli,
checks; its forms are JIT-compiled beforehand on a small RVE, reported as ``warm_up``), for
fedoo the mesh object, laws and assembly (``setup``) plus ``get_tangent_stiffness``
(``solve``). Imports and reading the ``.msh`` (``read``) are apart, and so is meshing (gmsh,
once per mesh, ``meshes[].seconds``). The fedoo worker never imports amorfem.

Usage::

    .venv/bin/python benchmarks/peers/fedoo_sphere.py            # the full sequence (0.5-1 h on an idle machine)
    .venv/bin/python benchmarks/peers/fedoo_sphere.py --quick    # the two coarsest meshes (1-2 min idle)
    .venv/bin/python benchmarks/peers/fedoo_sphere.py --fedoo-solver pypardiso

Results go to ``benchmarks/results/peers.json`` (atomic writes): the meshes, one record per
(code, element size, degree, solver), the agreements, the reference and the equal-accuracy
comparison. A record already there is skipped, so a killed run resumes; ``--fresh`` starts
over. Units: lengths nm, moduli GPa, times s, memory MB (peak resident, 2^20 bytes). C is 6x6
in amorfem's Voigt order 11, 22, 33, 23, 13, 12 with engineering shear strains
(:mod:`solvers.micromechanics.voigt`); fedoo's 11, 22, 33, 12, 13, 23 is permuted to it.
A markdown summary is printed at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from comparison import AGREEMENT_TOLERANCE, TARGETS, agreements, equal_accuracy, markdown, reference  # noqa: E402

#: Element sizes (nm, in the unit cube) of the mesh sequence, coarse to fine: about 1.3e3, 2.3e3,
#: 4.8e3, 7.7e3, 1.4e4, 2.8e4, 5.6e4 and 1.1e5 mesh vertices (gmsh Delaunay).
SIZES = (0.1, 0.08, 0.06, 0.05, 0.04, 0.032, 0.025, 0.02)

#: (code, degree, solver) -> the element sizes it runs on. fedoo's solver is the direct backend
#: chosen with ``--fedoo-solver`` (its name replaces "direct" in the records). fedoo P1 stops at
#: about 3e4 vertices and tet10 at about 1e5 dofs: its direct solves grow fast beyond.
RUNS: dict[tuple[str, int, str], tuple[float, ...]] = {
    ("amorfem", 1, "mumps"): (0.1, 0.08, 0.06, 0.05, 0.04, 0.032),
    ("amorfem", 1, "cg-gamg"): SIZES,
    ("amorfem", 2, "mumps"): (0.1, 0.08, 0.06),
    ("amorfem", 2, "cg-gamg"): (0.1, 0.08, 0.06, 0.05, 0.04, 0.032, 0.025),
    ("fedoo", 1, "direct"): (0.1, 0.08, 0.06, 0.05, 0.04, 0.032),
    ("fedoo", 2, "direct"): (0.1, 0.08, 0.06),
}

#: Phase name -> (Young's modulus in GPa, Poisson ratio); the inclusion volume fraction.
PHASES = {"matrix": (3.0, 0.35), "inclusion": (70.0, 0.2)}
VOLUME_FRACTION = 0.2

#: fedoo's direct backends: the label in the records -> modules hidden from fedoo so that its
#: own backend search (pypardiso, python-mumps, petsc4py, scikit-umfpack, SciPy) lands on it.
FEDOO_SOLVERS = {
    "petsc-mumps": ("pypardiso", "mumps"),
    "pypardiso": ("mumps",),
    "scipy-superlu": ("pypardiso", "mumps", "petsc4py", "scikits.umfpack"),
}

#: Tensor index pairs of fedoo's Voigt order (11, 22, 33, 12, 13, 23), engineering shear.
FEDOO_VOIGT_PAIRS = ((0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2))

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _peak_mb() -> float:
    """Peak resident memory of this process (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _c44(C: list[list[float]]) -> float:
    """Mean of the three shear diagonal entries of a 6x6 Voigt stiffness (GPa)."""
    return float(sum(C[i][i] for i in (3, 4, 5)) / 3)


# --------------------------------------------------------------------------- workers
def mesh_worker(size: float, msh: Path) -> dict:
    """Mesh the sphere RVE at element size ``size`` (nm) into ``msh``; sizes, time (s), fractions."""
    from mpi4py import MPI

    from meshing import MeshSettings
    from meshing.inclusions import inclusion_geometry
    from meshing.rve import build_rve

    rve = build_rve(inclusion_geometry(VOLUME_FRACTION, (1.0, 1.0, 1.0)), MeshSettings(size=size), MPI.COMM_SELF,
                    msh_path=msh)
    return {"size": size, "vertices": rve.mesh.geometry.index_map().size_global,
            "cells": rve.mesh.topology.index_map(3).size_global, "seconds": rve.mesh_seconds,
            "volume_fractions": rve.volume_fractions}


def amorfem_worker(msh: Path, degree: int, solver: str) -> dict:
    """amorfem's periodic stiffness on the mesh in ``msh``; C (GPa), sizes, times (s), memory (MB)."""
    from mpi4py import MPI

    import meshing.fenicsx  # noqa: F401  (loads the FEniCSx stack in the right order)
    import dolfinx.io.gmsh

    from meshing import MeshSettings, inclusions
    from meshing.geometry import Box
    from meshing.rve import RVE, meshed_phase_volumes
    from solvers.analyses.stiffness import effective_stiffness
    from solvers.fe.linear_solver import SolverOptions
    from solvers.fe.stages import process_peak_mb
    from solvers.micromechanics.materials import isotropic

    comm = MPI.COMM_WORLD
    materials = {phase: isotropic(E, nu, 1.0) for phase, (E, nu) in PHASES.items()}
    options = SolverOptions(method=solver)
    start = time.perf_counter()
    effective_stiffness(inclusions(VOLUME_FRACTION, (1.0, 1.0, 1.0), MeshSettings(size=0.2), comm=comm), materials,
                        degree=degree, solver=options)
    warm_up = time.perf_counter() - start

    start = time.perf_counter()
    data = dolfinx.io.gmsh.read_from_msh(str(msh), comm, 0, gdim=3)
    phases = {name: tag for name, (dim, tag) in data.physical_groups.items() if dim == 3}
    box = Box((1.0, 1.0, 1.0))
    volumes = meshed_phase_volumes(data.mesh, data.cell_tags, phases)
    rve = RVE(mesh=data.mesh, cell_tags=data.cell_tags, facet_tags=data.facet_tags, phases=phases, box=box,
              volume_fractions={p: v / box.volume for p, v in volumes.items()},
              geometric_volume_fractions={"matrix": 1 - VOLUME_FRACTION, "inclusion": VOLUME_FRACTION})
    read = time.perf_counter() - start

    start = time.perf_counter()
    result = effective_stiffness(rve, materials, bc="periodic", degree=degree, solver=options)
    seconds = time.perf_counter() - start
    return {"vertices": data.mesh.geometry.index_map().size_global, "nodes": result.dofs // 3, "dofs": result.dofs,
            "unknowns": result.unknowns,
            "seconds": {"read": read, "warm_up": warm_up, "homogenization": seconds, **result.timings},
            "iterations": list(result.iterations),
            # Not getrusage's ru_maxrss: the analysis's per-stage peak resets lower it.
            "peak_memory_MB": process_peak_mb(),
            "C": result.C.tolist()}


def _hide_modules(names: tuple[str, ...]) -> None:
    """Make ``import name`` fail for each name (a None entry in sys.modules raises ImportError)."""
    for name in names:
        sys.modules[name] = None  # type: ignore[assignment]


def _quadratic_tetrahedra(points: np.ndarray, tets: np.ndarray,
                          node_coordinates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add one node per edge of the tetrahedra: (points, tet10 connectivity) in fedoo's node order.

    Parameters
    ----------
    points : numpy.ndarray, shape (vertices, 3)
        Vertex coordinates (nm).
    tets : numpy.ndarray of int, shape (cells, 4)
        Vertices of every tetrahedron.
    node_coordinates : numpy.ndarray, shape (10, 3)
        Reference coordinates of fedoo's tet10 nodes; nodes 4-9 are edge midpoints, which tells
        the vertex pair of each.

    Returns
    -------
    points : numpy.ndarray, shape (vertices + edges, 3)
        The vertices, then the edge midpoints (nm).
    tets : numpy.ndarray of int, shape (cells, 10)
    """
    corners, mids = node_coordinates[:4], node_coordinates[4:]
    pairs = [next((i, j) for i in range(4) for j in range(i + 1, 4) if np.allclose((corners[i] + corners[j]) / 2, m))
             for m in mids]
    edges = np.sort(np.stack([tets[:, [i, j]] for i, j in pairs], axis=1).reshape(-1, 2), axis=1)
    unique, inverse = np.unique(edges, axis=0, return_inverse=True)
    midpoints = points[unique].mean(axis=1)
    connectivity = np.hstack([tets, points.shape[0] + inverse.reshape(tets.shape[0], len(pairs))])
    return np.vstack([points, midpoints]), connectivity


def fedoo_worker(msh: Path, degree: int, solver: str) -> dict:
    """fedoo's periodic stiffness on the mesh in ``msh``, permuted to amorfem's Voigt order.

    P1 is fedoo's tet4; P2 its tet10r (tet10 with the 4-point rule, exact for the stiffness of
    straight-sided tetrahedra with piecewise-constant moduli, as is amorfem's P2 quadrature).
    """
    _hide_modules(FEDOO_SOLVERS[solver])
    if solver == "petsc-mumps":
        import dolfinx_solver  # noqa: F401  (the wheel's MPI and PETSc must load before petsc4py)
        import petsc4py

        petsc4py.init([sys.argv[0]])  # before fedoo's own init(sys.argv), which then is a no-op
    import meshio
    import fedoo as fd
    from fedoo.lib_elements.element_list import get_node_elm_coordinates

    config = fd.get_config()
    backend = {"petsc-mumps": config["USE_PETSC"], "pypardiso": config["USE_PYPARDISO"],
               "scipy-superlu": not (config["USE_PETSC"] or config["USE_PYPARDISO"] or config["USE_UMFPACK"])}
    if not backend[solver]:
        raise RuntimeError(f"fedoo did not select the direct backend '{solver}'; its configuration: {config}")

    start = time.perf_counter()
    data = meshio.read(msh)
    blocks = [k for k, block in enumerate(data.cells) if block.type == "tetra"]
    tets = np.vstack([data.cells[k].data for k in blocks]).astype(np.int64)
    tags = np.concatenate([data.cell_data["gmsh:physical"][k] for k in blocks])
    phase_tags = {name: int(tag) for name, (tag, dim) in data.field_data.items() if dim == 3}
    points = np.ascontiguousarray(data.points[:, :3], dtype=float)
    if np.unique(tets).size != points.shape[0]:
        raise RuntimeError(f"{msh}: {points.shape[0] - np.unique(tets).size} nodes belong to no tetrahedron; fedoo "
                           "would leave them unconstrained")
    read = time.perf_counter() - start

    start = time.perf_counter()
    fd.ModelingSpace("3D")
    element = "tet4" if degree == 1 else "tet10r"
    if degree == 2:
        points, tets = _quadratic_tetrahedra(points, tets, get_node_elm_coordinates("tet10"))
    mesh = fd.Mesh(points, tets, element)
    for phase, tag in phase_tags.items():
        mesh.element_sets[phase] = np.flatnonzero(tags == tag)
    laws = fd.constitutivelaw.Heterogeneous(tuple(fd.constitutivelaw.ElasticIsotrop(*PHASES[p]) for p in phase_tags),
                                            tuple(phase_tags))
    problem = fd.problem.Linear(fd.Assembly.create(fd.weakform.StressEquilibrium(laws), mesh))
    setup = time.perf_counter() - start

    start = time.perf_counter()
    C_fedoo = fd.homogen.get_tangent_stiffness(problem, meshperio=True, solver="direct")
    solve = time.perf_counter() - start

    return {"vertices": int(np.unique(tets[:, :4]).size), "nodes": int(mesh.n_nodes), "dofs": 3 * int(mesh.n_nodes),
            "element": element,
            "seconds": {"read": read, "setup": setup, "solve": solve, "homogenization": setup + solve},
            "peak_memory_MB": _peak_mb(), "C_fedoo_order": np.asarray(C_fedoo).tolist()}


def from_fedoo_voigt(C_fedoo: list[list[float]]) -> list[list[float]]:
    """A 6x6 stiffness (GPa) in fedoo's Voigt order (11, 22, 33, 12, 13, 23) in amorfem's (11, 22, 33, 23, 13, 12).

    Both use engineering shear strains, so this is a permutation only.
    """
    from solvers.micromechanics.voigt import VOIGT_PAIRS  # pure NumPy

    order = [FEDOO_VOIGT_PAIRS.index(pair) for pair in VOIGT_PAIRS]
    return [[C_fedoo[i][j] for j in order] for i in order]


# --------------------------------------------------------------------------- driver
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run_worker(arguments: list[str]) -> dict:
    """Run this script as a worker in a fresh process (one thread); its last JSON line."""
    env = {**os.environ, **{name: "1" for name in THREAD_VARIABLES}}
    run = subprocess.run([sys.executable, __file__, "--worker", *arguments], capture_output=True, text=True, env=env)
    reports = [line for line in run.stdout.splitlines() if line.startswith("{")]
    if run.returncode != 0 or not reports:
        raise RuntimeError(f"worker {arguments} failed (exit {run.returncode}):\n{run.stderr[-4000:]}")
    return json.loads(reports[-1])


def _mesh(size: float, mesh_dir: Path, known: dict | None) -> dict:
    """The mesh of element size ``size`` (nm): made unless its file is there, and checked against ``known``."""
    msh = mesh_dir / f"sphere_h{size}.msh"
    if known is not None and msh.exists() and _sha256(msh) == known["sha256"]:
        return known
    mesh_dir.mkdir(parents=True, exist_ok=True)
    made = {**_run_worker(["mesh", str(size), str(msh)]), "sha256": _sha256(msh), "file": str(msh)}
    if known is not None and made["sha256"] != known["sha256"]:
        raise RuntimeError(f"the remade mesh h={size} nm differs from the one the results were measured on "
                           f"(SHA-256 {made['sha256'][:12]} != {known['sha256'][:12]}); rerun with --fresh")
    print(f"mesh h={size}: {made['vertices']} vertices, {made['cells']} tetrahedra, {made['seconds']:.1f} s",
          flush=True)
    return made


def _measure(code: str, degree: int, solver: str, mesh: dict) -> dict:
    """One run in a fresh worker, as a record (C in amorfem's Voigt order, GPa; times in s)."""
    load = os.getloadavg()[0]
    report = _run_worker([code, mesh["file"], str(degree), solver])
    if code == "fedoo":
        report["C"] = from_fedoo_voigt(report.pop("C_fedoo_order"))
    report["seconds"]["mesh"] = mesh["seconds"]
    return {"code": code, "size": mesh["size"], "degree": degree, "solver": solver, "mesh_sha256": mesh["sha256"],
            "load_average": load, **report, "C44": _c44(report["C"])}


def _write(path: Path, meshes: dict[float, dict], records: list[dict], fedoo_solver: str) -> dict:
    """Write everything (atomically) with the derived tables; return the derived tables."""
    from solvers.micromechanics.atomic_files import write_json_atomic

    ref = reference(records)
    summary = {"agreement": agreements(records), "reference": ref,
               "equal_accuracy": equal_accuracy(records, ref) if ref else []}
    write_json_atomic(path, {
        "units": {"length": "nm (unit cube)", "moduli": "GPa", "time": "s", "memory": "MB (peak resident)"},
        "voigt_order": ["11", "22", "33", "23", "13", "12"], "shear": "engineering",
        "machine": {"cores": os.cpu_count(), "threads_per_run": 1,
                    "load_average": "1-minute load average when each run started"},
        "settings": {"phases_E_nu": PHASES, "volume_fraction": VOLUME_FRACTION, "targets": list(TARGETS),
                     "agreement_tolerance": AGREEMENT_TOLERANCE, "fedoo_solver": fedoo_solver,
                     "C44": "mean of C44, C55, C66"},
        "meshes": [meshes[s] for s in sorted(meshes, reverse=True)], "records": records, **summary,
    })
    return summary


def _worker(arguments: list[str]) -> int:
    """``mesh SIZE MSH`` or ``{amorfem,fedoo} MSH DEGREE SOLVER``: print one JSON line."""
    kind, *rest = arguments
    if kind == "mesh":
        report = mesh_worker(float(rest[0]), Path(rest[1]))
    else:
        report = {"amorfem": amorfem_worker, "fedoo": fedoo_worker}[kind](Path(rest[0]), int(rest[1]), rest[2])
    print(json.dumps(report), flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the two coarsest meshes only")
    parser.add_argument("--fresh", action="store_true", help="ignore results already in the output file")
    parser.add_argument("--fedoo-solver", default="petsc-mumps", choices=sorted(FEDOO_SOLVERS),
                        help="fedoo's direct backend (default: PETSc's MUMPS, the fastest measured here)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "peers.json")
    parser.add_argument("--mesh-dir", type=Path, default=Path(tempfile.gettempdir()) / "amorfem_peer_meshes",
                        help="where the shared .msh files go (remade, and checked, when missing)")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return _worker(args.worker)
    if int(os.environ.get("PMI_SIZE", os.environ.get("OMPI_COMM_WORLD_SIZE", "1"))) > 1:
        print("run this script without mpirun: it starts its own single-process workers", file=sys.stderr)
        return 2

    previous = {} if args.fresh or not args.out.exists() else json.loads(args.out.read_text())
    records: list[dict] = previous.get("records", [])
    meshes = {m["size"]: m for m in previous.get("meshes", [])}
    done = {(r["code"], r["size"], r["degree"], r["solver"]) for r in records}
    for size in sorted(SIZES, reverse=True)[: 2 if args.quick else None]:
        plan = [(code, degree, args.fedoo_solver if code == "fedoo" else solver)
                for (code, degree, solver), on in RUNS.items() if size in on]
        plan = [(code, degree, solver) for code, degree, solver in plan if (code, size, degree, solver) not in done]
        if plan:
            meshes[size] = _mesh(size, args.mesh_dir, meshes.get(size))
        for code, degree, solver in plan:
            print(f"{code} P{degree} {solver} h={size}: running", flush=True)
            record = _measure(code, degree, solver, meshes[size])
            records.append(record)
            summary = _write(args.out, meshes, records, args.fedoo_solver)
            agreement = [a for a in summary["agreement"] if (a["size"], a["degree"]) == (size, degree)]
            check = f"  agreement {agreement[-1]['relative_difference']:.1e}" if agreement and code == "fedoo" else ""
            print(f"    {record['dofs']} dofs  {record['seconds']['homogenization']:.2f} s  "
                  f"peak {record['peak_memory_MB']:.0f} MB  C44 {record['C44']:.6f} GPa{check}", flush=True)
    summary = _write(args.out, meshes, records, args.fedoo_solver)
    print(markdown(records, summary["agreement"], summary["reference"], summary["equal_accuracy"]))
    print(f"\nresults: {args.out}")
    failed = [a for a in summary["agreement"] if not a["ok"]]
    if failed:
        print(f"{len(failed)} agreement(s) above {AGREEMENT_TOLERANCE:g}: {failed}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
