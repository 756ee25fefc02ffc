"""Groups of ranks that take study points dynamically (MPI).

The world communicator is split into groups of ``ranks_per_case`` consecutive ranks; every point
is solved in parallel inside one group. Groups take points from a shared counter, atomically
incremented by each group's leader, so a group that finishes early takes the next point instead
of idling behind a static round-robin.

The counter is a small file in the study's folder under an exclusive ``fcntl`` lock
(:class:`FileCounter`). A passive one-sided MPI window on world rank 0 (tried first) needs rank 0 to enter MPI for the others' atomics to progress, and a one-rank group solving a
point makes no MPI call on the world communicator, so the other groups waited for its point to
end (measured: 4 of 16 points went to the second group, speed-up 1.12 on 2 ranks).
"""

from __future__ import annotations

import fcntl
import os
import uuid
from pathlib import Path

from mpi4py import MPI

__all__ = ["split_groups", "FileCounter"]


def split_groups(comm: MPI.Comm, ranks_per_case: int) -> tuple[MPI.Comm, int, int]:
    """Split ``comm`` into groups of ``ranks_per_case`` ranks: (group communicator, group index, groups).

    Raises
    ------
    ValueError
        When ``ranks_per_case`` is not a positive divisor of the communicator's size.
    """
    if not (isinstance(ranks_per_case, int) and ranks_per_case > 0 and comm.size % ranks_per_case == 0):
        raise ValueError(f"ranks_per_case={ranks_per_case!r} must be a positive divisor of the {comm.size} ranks")
    color = comm.rank // ranks_per_case
    return comm.Split(color, comm.rank), color, comm.size // ranks_per_case


class FileCounter:
    """Shared integer counters in a file of a folder every rank sees, under an exclusive lock.

    Parameters
    ----------
    comm : MPI.Comm
        Every rank of it creates the counter (collective) and :meth:`free` s it.
    folder : path
        A folder on a file system every rank shares (the study's folder).
    slots : int
    """

    def __init__(self, comm: MPI.Comm, folder: str | Path, slots: int = 3) -> None:
        self.comm, self.slots = comm, slots
        name = comm.bcast(f".counter-{uuid.uuid4().hex}" if comm.rank == 0 else None, root=0)
        self.path = Path(folder) / name
        if comm.rank == 0:
            self.path.write_text(" ".join(["0"] * slots))
        comm.Barrier()

    def add(self, slot: int, amount: int = 1) -> int:
        """Atomically add ``amount`` to counter ``slot``; returns its value before (0 reads it)."""
        with open(self.path, "r+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                values = [int(v) for v in handle.read().split()]
                before = values[slot]
                if amount:
                    values[slot] += amount
                    handle.seek(0)
                    handle.write(" ".join(map(str, values)))
                    handle.truncate()
                    handle.flush()
                    os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return before

    def free(self) -> None:
        """Remove the file (collective)."""
        self.comm.Barrier()
        if self.comm.rank == 0:
            self.path.unlink(missing_ok=True)
