"""Command line: ``amorfem run CASE.toml [--out DIR] [--set key=value ...] [--force]``.

Run it under MPI with ``mpirun -n N amorfem run ...``. Only rank 0 prints and writes shared
files. Units: nm, GPa, g/cm^3.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from pathlib import Path

from mpi4py import MPI

__all__ = ["main"]

log = logging.getLogger("amorfem")


def _configure_logging(comm: MPI.Comm, verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[amorfem %(asctime)s] %(message)s", datefmt="%H:%M:%S"))
    root = logging.getLogger("amorfem")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if comm.rank == 0 and verbose else logging.WARNING)
    root.propagate = False


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="amorfem", description="Homogenization of amorphous/crystalline composites (nm, GPa).")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a case file and write its results folder")
    run.add_argument("case", type=Path, help="TOML case file")
    run.add_argument("--out", type=Path, default=None, help="results folder (default: results/<case name>)")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help="override a case value, e.g. --set mesh.size=1.5 (repeatable; value read as TOML)")
    run.add_argument("--force", action="store_true", help="recompute even if the results folder is up to date")
    run.add_argument("--no-picture", action="store_true", help="skip the PyVista picture of the RVE")
    run.add_argument("--quiet", action="store_true", help="print warnings and errors only")
    return parser


def _run(args: argparse.Namespace, comm: MPI.Comm) -> int:
    from solvers.case import load_case
    from solvers.run import run_case

    try:
        case = load_case(args.case, args.overrides)
    except ValueError as exc:
        if comm.rank == 0:
            print(f"amorfem: error: {exc}", file=sys.stderr)
        return 2
    out = args.out if args.out is not None else Path("results") / case.name
    run_case(case, out, comm, force=args.force)
    if not args.no_picture and comm.rank == 0:
        from postprocess.views import save_phase_picture

        picture = save_phase_picture(out)
        log.info("%s: picture %s", case.name, picture)
    if comm.rank == 0:
        log.info("%s: results in %s", case.name, out)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``amorfem`` console script."""
    args = _parser().parse_args(argv)
    comm = MPI.COMM_WORLD
    _configure_logging(comm, verbose=not getattr(args, "quiet", False))
    try:
        return _run(args, comm)
    except Exception:
        traceback.print_exc()
        if comm.size > 1:
            comm.Abort(1)
        return 1


if __name__ == "__main__":
    sys.exit(main())
