# The two commands of the quick start: `make run` and `make test`. Both install what they need first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

# Tests talk to real services; these are the defaults on a developer machine and in CI.
export TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/sightline
export TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test lint install lock clean

$(INSTALLED): requirements/dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(INSTALLED)

run: $(INSTALLED)
	$(PY) manage.py serve

lint: $(INSTALLED)
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	$(PY) -m mypy .

test: lint
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest $(PYTEST_ARGS)

lock:
	$(PY) -m piptools compile --quiet --extra dev --strip-extras --no-emit-index-url -o requirements/dev.lock pyproject.toml

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
