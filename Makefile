# Two commands do all set-up on a fresh machine with Python 3.11+ and make:
#   make run    create .venv if absent, install, start the bot (token from env or .env)
#   make test   create .venv if absent, install with test extras, run the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint typecheck chat check-content eval fit bench container-e2e clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[postgres]"
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,postgres]"
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/stridecoach run

chat: $(VENV)/.installed-run
	$(BIN)/stridecoach chat

check-content: $(VENV)/.installed-run
	$(BIN)/stridecoach check-content

# Cross-validated figures (folds grouped by file) and the held-out sets never trained on.
eval: $(VENV)/.installed-run
	$(BIN)/stridecoach eval --cv --quiet tests/data/holdout/*.jsonl

# After changing anything under content/data: refit the weights and thresholds.
fit: $(VENV)/.installed-run
	$(BIN)/stridecoach fit

# Trains the understanding models once so that every test process and every bot process
# the tests start loads them. They are saved in this checkout's own folder: the shared
# ~/.cache/stridecoach keeps the last few versions of any checkout, and other checkouts
# training there would push ours out in mid-run (each process then trains again).
TEST_MODEL_CACHE := $(CURDIR)/$(VENV)/model-cache
# pytest's temporary folders (a SQLite database per test, the bot processes' files) go to
# a RAM disk when it has room (over 1 GB free), else pytest's default. On a disk, pytest
# deletes an older run's thousands of files at the end of each run and SQLite deletes its
# WAL files at every close; on this machine's disk that was seconds per run (docs/development.md).
TEST_TMP := $(shell df -Pk /dev/shm 2>/dev/null | awk 'NR==2 && $$4 > 1048576 {print "/dev/shm/stridecoach-tests-$(notdir $(CURDIR))"}')
# Two pytest-xdist workers per core: the slow tests mostly wait (on a bot process, a
# socket, the emulator), so one worker per core left the cores half idle
# (docs/development.md has the measurements). TEST_WORKERS=N overrides.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) * 2 )))
# Bytecode caches are written even where the environment says not to
# (PYTHONDONTWRITEBYTECODE=1, as on this machine): each pytest worker otherwise rewrites
# the asserts of every test module again (about 2 s of CPU per worker per run), and
# each bot process the tests start compiles the project's modules again.
test: $(VENV)/.installed-test
	STRIDECOACH_MODEL_CACHE=$(TEST_MODEL_CACHE) $(BIN)/stridecoach train
	PYTHONDONTWRITEBYTECODE= STRIDECOACH_MODEL_CACHE=$(TEST_MODEL_CACHE) $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist load --maxschedchunk 1 \
		$(if $(TEST_TMP),--basetemp=$(TEST_TMP))
	$(if $(TEST_TMP),rm -rf $(TEST_TMP))  # kept after a failing run, for a look

lint: typecheck
	$(BIN)/ruff check stridecoach bot domain content storage tests benchmarks

# mypy as configured in pyproject.toml ([tool.mypy]); CI runs it before the tests.
# mypy cannot follow setuptools' editable finder (pyproject's package-dir maps
# stridecoach.bot to bot/ and so on), so it reads the installed layout through a tree
# of links made here: .venv/typecheck/stridecoach/{bot,domain,content,storage}.
TYPECHECK_TREE := $(VENV)/typecheck
typecheck: $(VENV)/.installed-test
	rm -rf $(TYPECHECK_TREE) && mkdir -p $(TYPECHECK_TREE)/stridecoach
	ln -s $(CURDIR)/stridecoach/*.py $(TYPECHECK_TREE)/stridecoach/
	for pkg in bot domain content storage; do ln -s $(CURDIR)/$$pkg $(TYPECHECK_TREE)/stridecoach/$$pkg; done
	cd $(TYPECHECK_TREE) && $(CURDIR)/$(BIN)/mypy --config-file $(CURDIR)/pyproject.toml

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_qa.py
	$(BIN)/python benchmarks/bench_sessions.py
	$(BIN)/python benchmarks/bench_reminders.py
	$(BIN)/python benchmarks/idle_memory.py

# Builds the Docker image with podman and runs the end-to-end scenario against it (not in CI).
container-e2e: $(VENV)/.installed-test
	STRIDECOACH_CONTAINER_E2E=1 $(BIN)/python -m pytest -q -m container

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
