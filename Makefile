# The two commands of the quick start: `make run` and `make test`. Both install what they need first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

# Tests talk to real services; these are the defaults on a developer machine and in CI.
export TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/sightline
export TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

# The browser side (frontend/): npm ci from the committed lock, then esbuild + terser into frontend/dist/.
NODE_MODULES := frontend/node_modules/.package-lock.json
FRONTEND_DIST := frontend/dist/s.js
FRONTEND_SOURCES := $(shell find frontend/src -type f) frontend/build.mjs
# The browser tests drive Debian's chromium; apt installs it when it is missing (root, or through sudo).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint install lock clean frontend chromium messages

# The server, and the Python SDK and the Jupyter extension that live in this repository (tests import them).
$(INSTALLED): requirements/dev.lock pyproject.toml sdk/python/pyproject.toml integrations/jupyter/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e . -e sdk/python -e integrations/jupyter
	touch $@

install: $(INSTALLED)

$(NODE_MODULES): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

$(FRONTEND_DIST): $(NODE_MODULES) $(FRONTEND_SOURCES)
	cd frontend && npm run --silent build

frontend: $(FRONTEND_DIST)

chromium:
	@command -v chromium >/dev/null || ($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium)

run: $(INSTALLED) $(FRONTEND_DIST)
	$(PY) manage.py serve

lint: $(INSTALLED)
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	$(PY) -m mypy .

test: lint $(FRONTEND_DIST) chromium
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest $(PYTEST_ARGS)

# The console's translations (console/locale, docs/console.md): extract new strings into the .po, translate them
# there, then compile the .mo. Both are committed, so a machine without gettext still serves Chinese.
messages: $(INSTALLED)
	cd console && ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete && ../$(PY) ../manage.py compilemessages -l zh_Hans

# dev.lock: what make run/test install (with the gpu extra: the suite runs the GPU worker on the CPU);
# prod.lock: the server alone, for the Docker image.
lock:
	$(PY) -m piptools compile --quiet --extra dev --extra gpu --strip-extras --no-emit-index-url -o requirements/dev.lock pyproject.toml
	$(PY) -m piptools compile --quiet --strip-extras --no-emit-index-url -o requirements/prod.lock pyproject.toml

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache frontend/node_modules frontend/dist
