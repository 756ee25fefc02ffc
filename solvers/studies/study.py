"""A parameter study: a base case, a design of points, derived quantities, run over MPI groups.

>>> study = Study(base="cases/nacre_2d.toml", name="nacre_grid",
...               design=grid({"geometry.overlap_ratio": [0.2, 0.35, 0.5], "mesh.size": [8.0, 6.0]}),
...               derived={"specific_E1": "E1 / density"})
>>> table = study.run()                 # mpirun -n 4 python my_study.py: 4 points at a time

Each point is the base case with the point's dotted keys set; it runs as a case
(:func:`solvers.app.run.run_case`, results in ``DIR/runs/<id>/``) on a group of
``ranks_per_case`` ranks, and its record goes to ``DIR/points/<id>.json`` atomically the moment it
finishes (:mod:`solvers.studies.points`). Points in a row with the same geometry and mesh reuse
the mesh (:class:`~solvers.app.run.BodyCache`). A rerun skips every point that has a record, so a
killed study resumes with nothing lost and nothing recomputed; a point whose case is invalid,
whose mesh fails or whose solver diverges is recorded as failed with its error, and the study
goes on. ``shard = (i, n)`` runs every n-th point from the i-th (independent batch jobs); every
run writes the table of all points that have records, so shards merge by construction.

The table (``DIR/table.csv`` and ``DIR/table.parquet``, written atomically by world rank 0, and
returned on every rank as a pandas DataFrame) has one row per point: the parameters, the
analysis's headline numbers (:func:`solvers.studies.numbers.summary_numbers`), the derived
quantities, ``status`` (ok, failed, pending), ``error``, ``wall_seconds``, ``dofs``, ``ranks``, ``group``
(which group of ranks solved it), ``point_id``. Units are the case's: nm, GPa, g/cm^3, J/m^2, MJ/m^3 (column names say which).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
import dolfinx.jit

from solvers.studies.designs import Design, check_key, design_from_table
from solvers.studies.numbers import summary_numbers
from solvers.studies.points import (PointRecord, StudyPoint, point_case_data, point_id, read_record, tied_values,
                                    write_record)
from solvers.studies.scheduler import FileCounter, split_groups

__all__ = ["Study", "load_study", "study_table"]

log = logging.getLogger("amorfem")

_BOOKKEEPING = ("status", "error", "wall_seconds", "dofs", "ranks", "group", "point_id")

# Groups that compile the same form at once share FFCx's cache: one compiles, the others wait for
# its module. DOLFINx waits 10 s by default and then fails; a large form takes longer than that on
# a loaded machine, so a study waits up to 10 minutes.
dolfinx.jit.DOLFINX_DEFAULT_JIT_OPTIONS["timeout"] = (600, "Timeout for JIT compilation (s; amorfem studies: 600)")


def _read_base(base: Mapping[str, Any] | str | Path) -> tuple[dict[str, Any], Path, str]:
    if isinstance(base, Mapping):
        return dict(base), Path.cwd(), "case"
    path = Path(base)
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle), path.parent, path.stem
    except FileNotFoundError:
        raise FileNotFoundError(f"study base case {str(path)!r} does not exist") from None


@dataclass(frozen=True)
class Study:
    """A parameter study (see the module docstring).

    Parameters
    ----------
    base : mapping, str or Path
        The base case: a TOML case file, or its data.
    design : Design
        The points (:mod:`solvers.studies.designs`).
    name : str
        Names the folder (``results/studies/<name>`` by default) and the points' cases.
    derived : mapping of str to callable or str
        Extra columns, each a function of the results table (``DataFrame -> Series``) or a
        pandas expression over its columns (``"E1 / density"``).
    tied : mapping of str to callable or str
        Keys every point sets besides its design values, each a function of the point's values
        or an expression over its dotted keys
        (``{"analysis.interfaces.interlayer.thickness": "geometry.interlayer_thickness"}``; see
        :func:`~solvers.studies.points.tied_values`). They enter the points' cases and ids, not
        the table's parameters.
    directory : path, optional
        The study's folder.
    base_dir : path, optional
        Folder that the base case's relative paths (``from = "..."`` lower scales) refer to
        (default: the case file's folder, or the working directory for data).
    """

    base: Mapping[str, Any] | str | Path
    design: Design
    name: str = "study"
    derived: Mapping[str, Callable[[pd.DataFrame], Any] | str] = field(default_factory=dict)
    tied: Mapping[str, Callable[[dict[str, Any]], Any] | str] = field(default_factory=dict)
    directory: str | Path | None = None
    base_dir: str | Path | None = None

    def __post_init__(self) -> None:
        if not self.name or any(c in self.name for c in "/\\ "):
            raise ValueError(f"study name={self.name!r} must be a non-empty word (no spaces or slashes)")
        if not isinstance(self.design, Design) or len(self.design) == 0:
            raise ValueError("a study needs a design with at least one point")
        clash = sorted(set(self.derived) & (set(self.design.keys) | set(_BOOKKEEPING)))
        if clash:
            raise ValueError(f"derived quantities {clash} have the names of varied parameters or of the table's "
                             f"bookkeeping columns {list(_BOOKKEEPING)}")
        both = sorted(set(self.tied) & set(self.design.keys))
        if both:
            raise ValueError(f"tied keys {both} are also varied by the design; a key is either varied or tied")
        for key in self.tied:
            check_key(key)

    @property
    def folder(self) -> Path:
        """The study's folder."""
        return Path(self.directory) if self.directory is not None else Path("results") / "studies" / self.name

    def points(self) -> list[StudyPoint]:
        """Every point of the design, with its case data and identity (no solve, no mesh).

        Raises
        ------
        ValueError
            When a key does not address the base case (a section it lacks, a path through a value).
        """
        from solvers.app.provenance import code_version

        from solvers.app.case import parse_case

        data, base_dir, _ = _read_base(self.base)
        base_dir = Path(self.base_dir) if self.base_dir is not None else base_dir
        code = code_version()["source_sha256"]
        points = []
        for index, values in enumerate(self.design.points):
            case_data = point_case_data(data, {**values, **tied_values(values, self.tied)})
            try:  # the parsed data carry the digests of lower-scale case files: an edited one is a new point
                identity = parse_case(case_data, name=self.name, base_dir=base_dir).data
            except (ValueError, FileNotFoundError):
                identity = {"case": case_data, "base_dir": str(base_dir.resolve())}  # it fails when it runs
            points.append(StudyPoint(index=index, values=dict(values), case_data=case_data, id=point_id(identity, code)))
        return points

    def run(self, comm: MPI.Comm = MPI.COMM_WORLD, ranks_per_case: int = 1, shard: tuple[int, int] = (0, 1),
            retry_failed: bool = False) -> pd.DataFrame:
        """Run the study's unfinished points over groups of ``ranks_per_case`` ranks; return the table.

        Parameters
        ----------
        comm : MPI.Comm
        ranks_per_case : int
            Ranks per point; must divide ``comm.size``.
        shard : (int, int)
            ``(i, n)``: run only the points whose index is ``i`` modulo ``n``.
        retry_failed : bool
            Run failed points again (otherwise a failed record counts as finished).

        Returns
        -------
        pandas.DataFrame
            The table of every point of the design (pending where no record exists yet).
        """
        i, n = shard
        if not (isinstance(n, int) and n > 0 and isinstance(i, int) and 0 <= i < n):
            raise ValueError(f"shard={shard!r} must be (i, n) with 0 <= i < n")
        points = self.points()
        folder = self.folder
        _, base_dir, _ = _read_base(self.base)
        base_dir = Path(self.base_dir) if self.base_dir is not None else base_dir
        group, index, groups = split_groups(comm, ranks_per_case)
        finished = _on_rank0(comm, lambda: _finished_points(folder, points, retry_failed))
        todo = list({p.id: p for p in points if p.index % n == i and p.id not in finished}.values())  # one run per id
        if comm.rank == 0:
            log.info("study %s: %d points, %d finished, %d to run here on %d group(s) of %d rank(s)", self.name,
                     len(points), len(finished), len(todo), groups, ranks_per_case)
        counter = FileCounter(comm, folder)
        from solvers.app.run import BodyCache

        bodies = BodyCache()
        progress = _Progress(len(todo), comm.rank == 0)
        try:
            while True:
                k = counter.add(0) if group.rank == 0 else None
                k = group.bcast(k, root=0)
                if k >= len(todo):
                    break
                record = _run_point(todo[k], self.name, folder, base_dir, group, index, bodies)
                if group.rank == 0:
                    write_record(folder, record)
                    counter.add(1)
                    if record.status != "ok":
                        counter.add(2)
                if comm.rank == 0:
                    progress.show(counter.add(1, 0), counter.add(2, 0))
            comm.Barrier()
        finally:
            counter.free()
            group.Free()
        progress.close()
        return _on_rank0(comm, lambda: _write_locked_table(self, points))


def _on_rank0(comm: MPI.Comm, work: Callable[[], Any]) -> Any:
    """``work()`` on rank 0, its result on every rank; an exception there is raised on every rank."""
    result, error = None, None
    if comm.rank == 0:
        try:
            result = work()
        except Exception as exc:  # noqa: BLE001  (re-raised below, on every rank)
            error = f"{type(exc).__name__}: {exc}"
    result, error = comm.bcast((result, error), root=0)
    if error is not None:
        raise RuntimeError(f"study: rank 0 failed: {error}")
    return result


def _finished_points(folder: Path, points: list[StudyPoint], retry_failed: bool) -> set[str]:
    folder.mkdir(parents=True, exist_ok=True)
    return {p.id for p in points if _finished(read_record(folder, p.id), retry_failed)}


def _write_locked_table(study: Study, points: list[StudyPoint]) -> pd.DataFrame:
    """Build and write the table under a lock of the folder, so that shards finishing together
    cannot overwrite a table that has more records with one that has fewer."""
    import fcntl

    with open(study.folder / ".table.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        table = study_table(study, points)
        write_table(study.folder, table)
    return table


def _finished(record: PointRecord | None, retry_failed: bool) -> bool:
    return record is not None and (record.status == "ok" or not retry_failed)


def _run_point(point: StudyPoint, name: str, folder: Path, base_dir: Path, group: MPI.Comm, index: int = 0,
               bodies=None) -> PointRecord:
    """Run one point on ``group``; any exception becomes a failed record (agreed by every rank)."""
    from solvers.app.case import parse_case
    from solvers.app.provenance import code_version
    from solvers.app.run import run_case

    start = MPI.Wtime()
    record = PointRecord(id=point.id, index=point.index, parameters=point.values, status="ok",
                         ranks=group.size, group=index, code=code_version()["source_sha256"])
    error = ""
    try:
        case = parse_case(point.case_data, name=f"{name}-{point.id}", base_dir=base_dir)
        summary = run_case(case, folder / "runs" / point.id, comm=group, bodies=bodies)
        record.numbers = summary_numbers(summary)
        record.dofs = int(summary.get("dofs") or 0)
    except Exception as exc:  # noqa: BLE001  (a failed point is recorded, and the study goes on)
        error = f"{type(exc).__name__}: {exc}"
    errors = [e for e in group.allgather(error) if e]
    if errors:
        record.status, record.error, record.numbers = "failed", errors[0], {}
        if group.rank == 0:
            log.warning("study %s: point %d (%s) failed: %s", name, point.index, point.id, errors[0])
    record.wall_seconds = group.allreduce(MPI.Wtime() - start, op=MPI.MAX)
    return record


def study_table(study: Study, points: list[StudyPoint] | None = None) -> pd.DataFrame:
    """The table of a study from the records in its folder (one row per design point)."""
    points = study.points() if points is None else points
    rows = []
    for point in points:
        record = read_record(study.folder, point.id)
        rows.append(record.row() if record is not None else {**point.values, "status": "pending", "error": "",
                                                             "wall_seconds": 0.0, "dofs": 0, "ranks": 0,
                                                             "group": -1, "point_id": point.id})
    table = pd.DataFrame(rows)
    for name, rule in study.derived.items():
        try:
            table[name] = table.eval(rule) if isinstance(rule, str) else rule(table)
        except Exception as exc:  # noqa: BLE001  (a derived column that cannot be formed yet is left empty)
            log.warning("study %s: derived quantity '%s' could not be computed: %s", study.name, name, exc)
            table[name] = float("nan")
    parameters = list(study.design.keys)
    others = [c for c in table.columns if c not in parameters and c not in _BOOKKEEPING]
    return table[parameters + others + list(_BOOKKEEPING)]


def write_table(folder: Path, table: pd.DataFrame) -> None:
    """Write ``table.csv`` and ``table.parquet`` in ``folder``: both to temporary files first
    (readable by all, synced), then renamed into place, so a failure leaves the old pair."""
    umask = os.umask(0)
    os.umask(umask)
    written = []
    try:
        for name, writer in (("table.csv", lambda p: table.to_csv(p, index=False)),
                             ("table.parquet", lambda p: table.to_parquet(p, index=False))):
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
            os.fchmod(fd, 0o666 & ~umask)
            os.close(fd)
            written.append((tmp, folder / name))
            writer(tmp)
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
        for tmp, path in written:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in written:
            Path(tmp).unlink(missing_ok=True)
        raise


class _Progress:
    """Points done, failed and remaining with an ETA (world rank 0): a bar in a terminal, lines in a log."""

    def __init__(self, total: int, active: bool) -> None:
        self.total, self.active = total, active
        self.start = time.monotonic()
        self.tty = active and sys.stderr.isatty()

    def show(self, done: int, failed: int) -> None:
        if not self.active or not self.total:
            return
        elapsed = time.monotonic() - self.start
        eta = elapsed / done * (self.total - done) if done else float("nan")
        text = (f"{done}/{self.total} points done ({failed} failed), {self.total - done} remaining, "
                f"ETA {eta:.0f} s" if done else f"0/{self.total} points done")
        if self.tty:
            width = 30
            filled = int(width * done / self.total)
            sys.stderr.write(f"\rstudy [{'#' * filled}{'.' * (width - filled)}] {text}   ")
            sys.stderr.flush()
        else:
            log.info("study: %s", text)

    def close(self) -> None:
        if self.tty and self.total:
            sys.stderr.write("\n")


def load_study(path: str | Path, directory: str | Path | None = None) -> Study:
    """A study from a TOML study file.

    ``name``, ``base`` (a case file, relative to the study file), ``[design]`` (see
    :func:`~solvers.studies.designs.design_from_table`), an optional ``[derived]`` table of
    pandas expressions (``specific_E1 = "E1 / density"``) and an optional ``[tied]`` table of keys
    set from the point's values (``"mesh.phase_size.interlayer" = "geometry.interlayer_thickness / 3"``). The folder defaults to
    ``results/studies/<name>``.
    """
    path = Path(path)
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    unknown = sorted(set(data) - {"name", "base", "design", "derived", "tied"})
    if unknown:
        raise ValueError(f"study file {path}: unknown keys {unknown}; allowed: name, base, design, derived, tied")
    if "base" not in data or "design" not in data:
        raise ValueError(f"study file {path} needs 'base' (a case file) and a [design] table")
    derived = dict(data.get("derived", {}))
    bad = [k for k, v in derived.items() if not isinstance(v, str)]
    if bad:
        raise ValueError(f"study file {path}: [derived] {bad} must be expressions (strings) over the table's columns")
    tied = dict(data.get("tied", {}))
    bad = [k for k, v in tied.items() if not isinstance(v, str)]
    if bad:
        raise ValueError(f"study file {path}: [tied] {bad} must be expressions (strings) over the design's keys")
    return Study(base=path.parent / data["base"], design=design_from_table(data["design"]), name=data.get("name", path.stem),
                 derived=derived, tied=tied, directory=directory)
