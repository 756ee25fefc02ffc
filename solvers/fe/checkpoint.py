"""Checkpoints of long runs, so that a killed run restarts from its last accepted step.

Every rank saves its own arrays (its part of the distributed unknowns and of the quadrature
state) and rank 0 the global state (JSON) into one of two slots, A and B, alternately. The JSON
names the slot it belongs to and is written last, atomically, so the checkpoint it names is
always complete: a run killed while writing slot B still finds slot A. A checkpoint is used only
by a run of the same key (inputs and code), the same number of ranks and the same local sizes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI

from solvers.micromechanics.atomic_files import write_json_atomic

__all__ = ["Checkpoint"]


class Checkpoint:
    """Two-slot checkpoints in ``directory``.

    Parameters
    ----------
    directory : path
        Checkpoint folder (created by rank 0).
    key : str
        What the run is (e.g. case digest plus code version); another key never loads.
    comm : MPI.Comm
    """

    def __init__(self, directory: str | Path, key: str, comm: MPI.Comm) -> None:
        self.directory = Path(directory)
        self.key = key
        self.comm = comm
        self.counter = 0
        if comm.rank == 0:
            self.directory.mkdir(parents=True, exist_ok=True)
        comm.barrier()

    def _array_path(self, slot: str) -> Path:
        return self.directory / f"slot{slot}_rank{self.comm.rank}.npz"

    def save(self, arrays: dict[str, np.ndarray], state: dict[str, Any]) -> None:
        """Save this rank's ``arrays`` and (rank 0) the global ``state``; all ranks call it."""
        self.counter += 1
        slot = "AB"[self.counter % 2]
        path = self._array_path(slot)
        staging = path.with_name(f".{path.name}.tmp")
        with open(staging, "wb") as handle:
            np.savez(handle, counter=np.array(self.counter), **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        staging.replace(path)
        self.comm.barrier()
        if self.comm.rank == 0:
            write_json_atomic(self.directory / "state.json", {
                "key": self.key, "ranks": self.comm.size, "slot": slot, "counter": self.counter, "state": state})
        self.comm.barrier()

    def load(self) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
        """This rank's arrays and the global state of the last complete checkpoint of this key, or None."""
        header = None
        if self.comm.rank == 0:
            try:
                header = json.loads((self.directory / "state.json").read_text())
            except (FileNotFoundError, ValueError):
                header = None
        header = self.comm.bcast(header, root=0)
        if not header or header.get("key") != self.key or header.get("ranks") != self.comm.size:
            return None
        try:
            with np.load(self._array_path(header["slot"])) as data:
                arrays = {name: data[name] for name in data.files}
            valid = int(arrays.pop("counter")) == header["counter"]
        except (FileNotFoundError, ValueError, KeyError, OSError):
            arrays, valid = {}, False
        if not self.comm.allreduce(int(valid), op=MPI.MIN):
            return None
        self.counter = header["counter"]
        return arrays, header["state"]
