# amorfem: two commands on a fresh machine.
#   make run    set up .venv (Python 3.12) and run the default case under mpirun -n 2
#   make test   set up .venv and run the serial tests, then the MPI tests under mpirun -n 2 and -n 3
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c

VENV    := .venv
PY      := $(VENV)/bin/python
MPIRUN  := $(VENV)/bin/mpirun
NP      ?= 2
CASE    ?= cases/nanocrystal_in_amorphous.toml
OUT     ?= results/nanocrystal_in_amorphous
export OMP_NUM_THREADS := 1

.PHONY: run test test-serial test-mpi test-mpi3 setup clean

setup: $(VENV)/.installed

# Find a working Python 3.12: PATH first (a pyenv shim that cannot run is skipped),
# then every interpreter under pyenv's versions/3.12*.
$(PY):
	@py=""
	root=$$( (command -v pyenv >/dev/null && pyenv root) || echo "$${PYENV_ROOT:-$$HOME/.pyenv}")
	for c in $$(command -v python3.12 || true) $$root/versions/3.12*/bin/python3.12; do
	  if [ -x "$$c" ] && "$$c" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; then
	    py="$$c"; break
	  fi
	done
	if [ -z "$$py" ]; then
	  echo "error: amorfem needs Python 3.12 (dolfinx-solver-real wheels are built for it) and none was found." >&2
	  echo "       Install one, e.g. 'pyenv install 3.12' or 'apt install python3.12 python3.12-venv', then rerun make." >&2
	  exit 1
	fi
	echo "amorfem: creating $(VENV) with $$py"
	"$$py" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

run: setup
	$(MPIRUN) -n $(NP) $(VENV)/bin/amorfem run $(CASE) --out $(OUT)

test: setup test-serial test-mpi test-mpi3

test-serial: setup
	$(PY) -m pytest -m "not mpi and not mpi3" -q --durations=30

test-mpi: setup
	timeout 900 $(MPIRUN) -n 2 $(PY) -m pytest -m mpi -q

test-mpi3: setup
	timeout 600 $(MPIRUN) -n 3 $(PY) -m pytest -m mpi3 -q

clean:
	rm -rf $(VENV) results *.egg-info
