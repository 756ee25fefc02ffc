"""Wall time and resident memory of a solve, stage by stage: where the time and the memory go.

Linux keeps the peak resident set of a process (``VmHWM`` in ``/proc/self/status``) and lets the
process reset it to the current resident set (writing ``5`` to ``/proc/self/clear_refs``). A
:class:`Stages` resets the peak when a stage starts and reads it when the stage ends, so
each stage gets its own peak, not the peak of everything before it. Where the reset is not
allowed (or on another OS) the peaks are those since the process started (``ru_maxrss``), and
:attr:`Stages.per_stage` says so. Wall times are the slowest rank's. Units: s, MB (2^20 bytes).
"""

from __future__ import annotations

import resource
from pathlib import Path

from mpi4py import MPI

from meshing.distribute import trim_heap  # re-exported: the meshing layer frees rank 0's heap too

__all__ = ["Stages", "resident_mb", "peak_mb", "process_peak_mb", "reset_peak", "trim_heap"]

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")
#: The highest peak (MB) a reset has discarded: the reset lowers ``ru_maxrss`` too.
_discarded_peak = 0.0


def _status_mb(field: str) -> float | None:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return None


def resident_mb() -> float:
    """The current resident set of this process (MB); its peak where the current one is unknown."""
    current = _status_mb("VmRSS")
    return current if current is not None else peak_mb()


def peak_mb() -> float:
    """The peak resident set (MB) since the process started or since the last :func:`reset_peak`."""
    peak = _status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def process_peak_mb() -> float:
    """The peak resident set (MB) since the process started, whatever :func:`reset_peak` did."""
    return max(_discarded_peak, peak_mb())


def reset_peak() -> bool:
    """Reset the peak resident set to the current one; False where the OS does not allow it.
    The peak it discards is kept for :func:`process_peak_mb`."""
    global _discarded_peak
    _discarded_peak = max(_discarded_peak, peak_mb())
    try:
        _CLEAR_REFS.write_text("5")
        return True
    except OSError:
        return False


class Stages:
    """Wall time (s, slowest rank) and peak resident memory (MB, per rank) of named stages.

    >>> stages = Stages(comm)
    >>> stages.start()
    >>> ...                       # assemble
    >>> stages.stop("assemble")   # stages.timings["assemble"], stages.memory["assemble"]

    Attributes
    ----------
    timings : dict of str to float
        Wall seconds per stage, the maximum over ranks.
    memory : dict of str to list of float
        Per stage, the peak resident memory of every rank (MB), gathered on every rank.
    per_stage : bool
        False where the OS does not let the peak be reset: each stage's peak then includes every
        earlier one.
    """

    def __init__(self, comm: MPI.Comm) -> None:
        self.comm = comm
        self.timings: dict[str, float] = {}
        self.memory: dict[str, list[float]] = {}
        self.per_stage = True
        self._start = MPI.Wtime()

    def start(self) -> None:
        """Begin a stage: the clock starts and the peak is reset to the current resident set."""
        self.per_stage = reset_peak() and self.per_stage
        self._start = MPI.Wtime()

    def stop(self, stage: str) -> float:
        """End ``stage``: record its wall time (returned) and every rank's peak memory (collective)."""
        self.timings[stage] = self.comm.allreduce(MPI.Wtime() - self._start, op=MPI.MAX)
        self.memory[stage] = [float(m) for m in self.comm.allgather(peak_mb())]
        return self.timings[stage]
