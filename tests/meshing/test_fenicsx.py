"""The FEniCSx loader limits NumPy's BLAS to one thread per process, unless the user chose.

Measured reason (meshing/fenicsx.py): two MPI ranks with two OpenBLAS threads each evaluated the
phase-field law of the nacre beam about 10 times slower than with one thread each. Checked in
fresh interpreters without the thread variables (the Makefile exports OMP_NUM_THREADS=1, which
would hide the limit), where the BLAS starts with its default pool (one thread per core).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = ("import numpy, threadpoolctl, json; import meshing.fenicsx; "
         "print(json.dumps([i['num_threads'] for i in threadpoolctl.threadpool_info() "
         "if i['filepath'].find('numpy') >= 0 or i['filepath'].find('scipy') >= 0]))")


def _numpy_blas_threads(**environment: str) -> list[int]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    env.update(environment)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


TWO_CORES = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: one BLAS thread is the default anyway")


@TWO_CORES
def test_one_blas_thread_after_loading_the_stack():
    threads = _numpy_blas_threads()
    assert threads and all(n == 1 for n in threads)


@TWO_CORES
def test_a_user_choice_of_threads_is_kept():
    threads = _numpy_blas_threads(OPENBLAS_NUM_THREADS="2")
    assert threads and all(n == 2 for n in threads)
