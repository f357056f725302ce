# Territoria — the two commands of the README are `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
TERRITORIA := $(PY) -m territoria
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
BIND ?= 127.0.0.1:8000
# The npm files the pages load, copied into the package (shipped in the wheel, ADR 8).
VENDORED := src/territoria/core/static/vendor/versions.json
# The two tiers of the suite: every test is in exactly one.
SLOW := slow or browser or integration
# Tests run on every core (pytest-xdist, one database per worker); the browser journeys run one
# at a time, since each drives Chromium and a live server with click timeouts.
PARALLEL ?= --numprocesses=auto --maxprocesses=4

.PHONY: install install-dev run demo serve worker scheduler test test-fast test-slow test-sqlite \
	test-postgres lint bench report locks clean

## Production installs requirements.lock only (no pytest, Playwright, Datasette);
## the tests install requirements-dev.lock (the same versions, plus the test tools).
install: $(VENV)/.installed node_modules/.installed $(VENDORED)

install-dev: $(VENV)/.installed-dev node_modules/.installed $(VENDORED)

$(VENV)/bin/uv:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip uv

# setup.py compiles the traffic-light controllers (mypyc, optional): rebuilt when they change
$(VENV)/.installed: requirements.lock pyproject.toml setup.py \
		src/territoria/mobilite/signals/controllers.py | $(VENV)/bin/uv
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements.lock
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock $(VENV)/.installed
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements-dev.lock
	touch $@

## Both locks from pyproject.toml; the dev lock is constrained to the production versions.
locks:
	$(VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 -o requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		-c requirements.lock -o requirements-dev.lock

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDORED): node_modules/.installed $(VENV)/.installed
	$(TERRITORIA) vendor_assets

## First command: install, create the database, load the 23 real projects, then start the
## web server, the job worker and the periodic-task scheduler (one Ctrl-C stops all three).
run: demo
	$(TERRITORIA) run --bind $(BIND)

demo: install
	$(TERRITORIA) migrate --noinput
	$(TERRITORIA) load_demo

serve: install
	$(TERRITORIA) serve --bind $(BIND)

## Deployments with separate processes: web (serve), jobs (worker), periodic tasks (scheduler).
worker: install
	$(TERRITORIA) worker

scheduler: install
	$(TERRITORIA) scheduler

## Second command: the whole test suite, on SQLite (fast tier, then slow tier) and on
## PostgreSQL when one is reachable.
test: install-dev test-sqlite test-postgres

test-sqlite: test-fast test-slow

test-fast: install-dev
	$(PY) -m pytest -m "not ($(SLOW))" $(PARALLEL)

test-slow: install-dev
	$(PY) -m pytest -m "(slow or integration) and not browser" $(PARALLEL)
	$(PY) -m pytest -m browser

test-postgres:
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "--- PostgreSQL reachable: running the suite on $(PG_URL)"; \
		TERRITORIA_DATABASE_URL=$(PG_URL) $(PY) -m pytest -m "not browser" --database-tests-only $(PARALLEL); \
	else \
		echo "--- PostgreSQL not reachable at $(PG_URL): suite run on SQLite only"; \
	fi

lint: install-dev
	$(PY) -m ruff check src tests benchmarks
	$(PY) -m ruff format --check src tests benchmarks

bench: install-dev
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) node_modules var src/territoria/core/static/vendor
