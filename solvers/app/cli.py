"""Command line of amorfem (units: nm, GPa, g/cm^3).

* ``amorfem run CASE.toml [--out DIR] [--set key=value ...] [--force]``: run a case (under MPI
  with ``mpirun -n N amorfem run ...``; only rank 0 prints and writes shared files).
* ``amorfem study STUDY.toml [--ranks-per-case k] [--shard i/n] [--out DIR] [--retry-failed]``:
  run a parameter study (:mod:`solvers.studies`) over groups of ``k`` ranks, resuming where it
  stopped; shards of one study (batch job arrays) write into one folder and merge.
* ``amorfem report DIR [DIR ...] [--out FILE]``: HTML report of a results folder (a study's
  folder gets a study page: table and figures), or a side-by-side comparison of several.
* ``amorfem view DIR``: interactive PyVista viewer when a display exists, otherwise the default
  figures rendered into ``DIR/figures``.
* ``amorfem export DIR --to {abaqus,xdmf,med}``: the mesh of a results folder with its phase and
  box-face sets and the periodic node pairs, for other solvers (:mod:`solvers.app.export`).

``report`` and ``view`` need neither MPI ranks nor DOLFINx: results can be looked at anywhere.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import traceback
from pathlib import Path

from mpi4py import MPI

__all__ = ["main"]

log = logging.getLogger("amorfem")


def configure_logging(comm: MPI.Comm, verbose: bool) -> None:
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
    run.add_argument("--no-picture", action="store_true", help="skip the pictures (the RVE; the curve and plastic zones of a strength run)")
    run.add_argument("--quiet", action="store_true", help="print warnings and errors only")
    study = commands.add_parser("study", help="run a parameter study file (resumable; MPI groups of ranks)")
    study.add_argument("study", type=Path, help="TOML study file (name, base, [design], [derived])")
    study.add_argument("--ranks-per-case", type=int, default=1, help="ranks that solve one point (divides the ranks)")
    study.add_argument("--shard", default="0/1", help="i/n: run only the points i, i+n, i+2n, ... (job arrays)")
    study.add_argument("--out", type=Path, default=None, help="study folder (default: results/studies/<name>)")
    study.add_argument("--retry-failed", action="store_true", help="run failed points again")
    study.add_argument("--quiet", action="store_true", help="print warnings and errors only")
    report = commands.add_parser("report", help="HTML report of one results folder, or a comparison of several")
    report.add_argument("directories", type=Path, nargs="+", help="results folders")
    report.add_argument("--out", type=Path, default=Path("comparison.html"), help="comparison page (several folders)")
    view = commands.add_parser("view", help="look at a results folder (interactive with a display)")
    view.add_argument("directory", type=Path)
    view.add_argument("--mode", default="cut", help="full | cut | slice | exploded | translucent")
    view.add_argument("--field", default=None, help="show a local field: von_mises | stress:IJ | strain:IJ")
    view.add_argument("--load-case", default=None, help="load case of --field (default: the first)")
    view.add_argument("--tiles", type=int, nargs="+", default=None, help="periodic copies per axis, e.g. 2 2 2")
    view.add_argument("--render", action="store_true", help="render the default figures even when a display exists")
    export = commands.add_parser("export", help="write the mesh of a results folder for another solver")
    export.add_argument("directory", type=Path, help="results folder")
    export.add_argument("--to", dest="format", required=True, help="abaqus (.inp) | xdmf | med")
    export.add_argument("--out", type=Path, default=None, help="output folder (default: DIR/export)")
    return parser


def _report(args: argparse.Namespace) -> int:
    from postprocess.report import write_comparison, write_report, write_study_report
    from postprocess.study_plots import is_study_folder

    studies = [d for d in args.directories if is_study_folder(d)]
    for directory in args.directories:
        print(f"amorfem: report {write_study_report(directory) if directory in studies else write_report(directory)}")
    args.directories = [d for d in args.directories if d not in studies]
    if len(args.directories) > 1:
        print(f"amorfem: comparison {write_comparison(args.directories, args.out)}")
    return 0


def _view(args: argparse.Namespace) -> int:
    import os

    from postprocess.figures import render_figures
    from postprocess.results import load_results
    from postprocess.views import plot_field, plot_phases

    results = load_results(args.directory)
    if os.environ.get("DISPLAY") and not args.render:
        if args.field:
            plotter = plot_field(results, args.load_case or results.load_cases[0], args.field, interactive=True)
        else:
            plotter = plot_phases(results, mode=args.mode, tiles=tuple(args.tiles) if args.tiles else None, interactive=True)
        plotter.show()
        return 0
    for name, path in render_figures(results, results.directory / "figures").items():
        print(f"amorfem: {name}: {path}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from solvers.app.export import export_mesh

    try:
        written = export_mesh(args.directory, args.format, args.out)
    except (ValueError, FileNotFoundError) as exc:
        print(f"amorfem: error: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"amorfem: export {path}")
    return 0


#: Figures that ``amorfem run`` draws for an inelastic run (the others come with ``amorfem view``).
RUN_FIGURES = ("stress_strain", "plastic_strain", "von_mises_end", "plastic_zone_growth")


def _curves_and_states(out: Path, name: str) -> None:
    """Rank 0: the stress-strain curve and the plastic-zone pictures of a run that has them, in ``out/figures``."""
    from postprocess.figures import render_figures
    from postprocess.results import load_results

    if not (out / "summary.json").exists() or "curve" not in json.loads((out / "summary.json").read_text()):
        return
    results = load_results(out)
    for figure, path in render_figures(results, out / "figures", names=RUN_FIGURES).items():
        log.info("%s: %s %s", name, figure, path)


def _run(args: argparse.Namespace, comm: MPI.Comm) -> int:
    from solvers.app.case import load_case
    from solvers.app.run import run_case

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

        # The case, and every lower scale it ran (hierarchical cases) that has no picture yet.
        for summary in sorted(out.rglob("summary.json")):
            if summary.parent == out or not (summary.parent / "rve.png").exists():
                log.info("%s: picture %s", case.name, save_phase_picture(summary.parent))
        _curves_and_states(out, case.name)
    if comm.rank == 0:
        log.info("%s: results in %s", case.name, out)
    return 0


def _study(args: argparse.Namespace, comm: MPI.Comm) -> int:
    from solvers.studies import load_study

    try:
        parts = args.shard.split("/")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise ValueError(f"--shard {args.shard!r} must be i/n, e.g. 0/4")
        i, n = int(parts[0]), int(parts[1])
        if not 0 <= i < n:
            raise ValueError(f"--shard {args.shard!r} must be i/n with 0 <= i < n")
        study = load_study(args.study, directory=args.out)
        study.points()  # every key addresses the base case: refused here, before any solve
    except (ValueError, FileNotFoundError) as exc:
        if comm.rank == 0:
            print(f"amorfem: error: {exc}", file=sys.stderr)
        return 2
    table = study.run(comm, ranks_per_case=args.ranks_per_case, shard=(i, n), retry_failed=args.retry_failed)
    if comm.rank == 0:
        counts = table["status"].value_counts().to_dict()
        log.info("study %s: %s; table %s", study.name, ", ".join(f"{v} {k}" for k, v in counts.items()),
                 study.folder / "table.csv")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``amorfem`` console script."""
    args = _parser().parse_args(argv)
    comm = MPI.COMM_WORLD
    configure_logging(comm, verbose=not getattr(args, "quiet", False))
    if args.command == "report":
        return _report(args)
    if args.command == "view":
        return _view(args)
    if args.command == "export":
        return _export(args)
    try:
        return _study(args, comm) if args.command == "study" else _run(args, comm)
    except Exception:
        traceback.print_exc()
        if comm.size > 1:
            comm.Abort(1)
        return 1


if __name__ == "__main__":
    sys.exit(main())
