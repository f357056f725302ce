# Territoria — the two commands of the README are `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
TERRITORIA := $(PY) -m territoria
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
BIND ?= 127.0.0.1:8000
# The npm files the pages load, copied into the package (shipped in the wheel, ADR 8).
VENDORED := src/territoria/core/static/vendor/versions.json

.PHONY: install run demo serve worker test test-sqlite test-postgres lint bench clean

install: $(VENV)/.installed node_modules/.installed $(VENDORED)

$(VENV)/.installed: requirements.lock pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip uv
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements.lock
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDORED): node_modules/.installed $(VENV)/.installed
	$(TERRITORIA) vendor_assets

## First command: install, create the database, load the 23 real projects, start the server.
run: demo serve

demo: install
	$(TERRITORIA) migrate --noinput
	$(TERRITORIA) load_demo

serve: install
	$(TERRITORIA) serve --bind $(BIND)

worker: install
	$(TERRITORIA) db_worker

## Second command: the whole test suite, on SQLite and on PostgreSQL when one is reachable.
test: install test-sqlite test-postgres

test-sqlite:
	$(PY) -m pytest

test-postgres:
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "--- PostgreSQL reachable: running the suite on $(PG_URL)"; \
		DATABASE_URL=$(PG_URL) $(PY) -m pytest -m "not browser"; \
	else \
		echo "--- PostgreSQL not reachable at $(PG_URL): suite run on SQLite only"; \
	fi

lint:
	$(PY) -m ruff check src tests benchmarks

bench: install
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) node_modules var src/territoria/core/static/vendor
