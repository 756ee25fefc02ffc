"""Memory of the stiffness analysis: twenty calls in one process do not grow the resident set,
and the analysis reports its peak memory per stage and rank.

A call that leaked its operator, its preconditioner or the vectors of its six load cases would
add megabytes per call; the test allows, over the last 15 of 20 calls, less than one vector of
the problem per call and rank. The C heap is trimmed before each reading, so that the resident
set is live memory, not pages the allocator keeps. On 2 ranks, before the analysis released
petsc4py's deferred parallel objects (``PETSc.garbage_cleanup`` on the mesh's communicator),
each call kept about 2.5 vectors; now about 0.4 (1.6e4 to 2.8e4 dofs). Units: MB, nm (unit
cube), GPa.

Each check runs in a process of its own (``mpirun -n 1`` and ``-n 2``): the claim is about one
process making twenty calls, and the suite's process carries the state of every earlier test.
"""

import gc
import subprocess
import sys
from pathlib import Path

from mpi4py import MPI

from meshing import MeshSettings, inclusions
from solvers.analyses.stiffness import effective_stiffness
from solvers.fe.stages import peak_mb, process_peak_mb, reset_peak, resident_mb, trim_heap
from solvers.micromechanics.materials import isotropic

CALLS, WARM = 20, 5
MB = 2.0**20


def resident_growth_over_calls(comm: MPI.Comm) -> tuple[float, float, dict]:
    """(largest growth of any rank's resident set over the calls after WARM, the allowance, a summary)."""
    rve = inclusions(0.2, (1.0, 1.0, 1.0), MeshSettings(size=0.05), comm=comm)
    materials = {"matrix": isotropic(3.0, 0.35, 1.2), "inclusion": isotropic(70.0, 0.2, 2.5)}
    resident = []
    for _ in range(CALLS):
        result = effective_stiffness(rve, materials, degree=1)
        summary = result.summary()
        del result
        gc.collect()
        trim_heap()
        resident.append(resident_mb())
    growth = comm.allreduce(resident[-1] - resident[WARM - 1], op=MPI.MAX)
    vector = summary["dofs"] / comm.size * 8 / MB               # one distributed vector, per rank
    return growth, (CALLS - WARM) * vector, summary


def check_no_growth(comm: MPI.Comm) -> None:
    growth, allowed, summary = resident_growth_over_calls(comm)
    assert summary["dofs"] > 2e4
    assert growth < allowed, f"resident memory grew {growth:.2f} MB over {CALLS - WARM} calls (allowed {allowed:.2f})"
    memory = summary["memory_MB"]["per_rank_peak"]
    assert set(memory) == {"constraint", "assemble", "setup", "solve", "moduli"}
    assert all(len(peaks) == comm.size and min(peaks) > 50 for peaks in memory.values())  # Python + PETSc alone


ROOT = Path(__file__).resolve().parents[3]


def _in_own_process(ranks: int) -> None:
    command = [str(Path(sys.executable).parent / "mpirun"), "-n", str(ranks), sys.executable, "-c",
               "from mpi4py import MPI; from tests.solvers.analyses.test_stiffness_memory import check_no_growth; "
               "check_no_growth(MPI.COMM_WORLD)"]
    run = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]


def test_twenty_stiffness_calls_do_not_grow_memory():
    _in_own_process(1)


def test_twenty_stiffness_calls_on_two_ranks_do_not_grow_memory():
    # parallel PETSc objects are collected differently (deferred to PETSc's garbage cleanup)
    _in_own_process(2)


def test_the_peak_can_be_reset_to_the_current_resident_set_and_the_process_peak_survives():
    if not reset_peak():
        return  # not Linux: peaks are since the process started (Stages.per_stage says so)
    block = bytearray(64 * 2**20)
    for i in range(0, len(block), 4096):
        block[i] = 1                                         # touch every page: 64 MB resident
    high = peak_mb()
    del block
    reset_peak()
    assert high - peak_mb() > 60 and abs(peak_mb() - resident_mb()) < 5
    # The kernel's high-water mark settles on unmapping, to within a fraction of a MB (measured 0.4).
    assert process_peak_mb() > high - 5
