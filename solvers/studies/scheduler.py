"""Groups of ranks that take study points dynamically (MPI).

The world communicator is split into groups of ``ranks_per_case`` consecutive ranks; every point
is solved in parallel inside one group. Groups take points from a shared counter (an MPI
one-sided window on world rank 0, atomically incremented by each group's leader), so a group
that finishes early takes the next point instead of idling behind a static round-robin.
"""

from __future__ import annotations

import numpy as np
from mpi4py import MPI

__all__ = ["split_groups", "WorkCounter"]


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


class WorkCounter:
    """Shared integer counters on world rank 0 (``slots`` of them, starting at 0).

    Parameters
    ----------
    comm : MPI.Comm
        Every rank of it must create the counter (collective) and :meth:`free` it.
    slots : int
    """

    def __init__(self, comm: MPI.Comm, slots: int = 3) -> None:
        size = MPI.INT64_T.Get_size()
        self.comm = comm
        self._win = MPI.Win.Allocate(slots * size if comm.rank == 0 else 0, size, comm=comm)
        if comm.rank == 0:
            np.frombuffer(self._win.tomemory(), dtype=np.int64)[:] = 0
        comm.Barrier()

    def add(self, slot: int, amount: int = 1) -> int:
        """Atomically add ``amount`` to counter ``slot``; returns its value before (0 reads it)."""
        value = np.array([amount], dtype=np.int64)
        before = np.zeros(1, dtype=np.int64)
        self._win.Lock(0)
        self._win.Fetch_and_op(value, before, 0, target_disp=slot, op=MPI.SUM)
        self._win.Unlock(0)
        return int(before[0])

    def free(self) -> None:
        """Free the window (collective)."""
        self._win.Free()
