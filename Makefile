# gridgov: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
STATIC_VENDOR := gridgov/web/static/vendor
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: install run test test-sqlite test-postgres lint bench browser-deps print-deps clean demo

install: $(STAMP) $(STATIC_VENDOR)/.stamp

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "gridgov needs Python 3.11 or newer; name one with: make PYTHON=python3.11 run" >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

# Front-end libraries come from npm (package.json + package-lock.json), copied into static files.
$(STATIC_VENDOR)/.stamp: package.json package-lock.json scripts/vendor_static.sh
	@command -v npm >/dev/null 2>&1 || \
	  { echo "the front-end libraries need Node.js with npm (Debian: apt-get install nodejs npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	bash scripts/vendor_static.sh $(STATIC_VENDOR)
	@touch $@

# Serves on GRIDGOV_BIND (default 127.0.0.1:8000) and runs `gridgov tick` every
# GRIDGOV_TICK_SECONDS while it serves. gridgov/demo/tests/test_make_run.py runs these lines.
run: install print-deps
	$(BIN)/gridgov migrate --noinput
	$(BIN)/gridgov demo --scale village --if-empty
	$(BIN)/gridgov demo_signins --if-demo
	$(BIN)/gridgov demo_matters --if-empty --if-demo
	$(BIN)/gridgov demo_links --if-empty --if-demo
	$(BIN)/gridgov demo_decisions --if-empty --if-demo
	$(BIN)/gridgov serve

demo: install
	$(BIN)/gridgov demo --scale village

lint: install
	$(BIN)/ruff check gridgov bench
	$(BIN)/ruff format --check gridgov bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# Printed cards, notices and lists (WeasyPrint) need Pango and CJK fonts; installed when missing.
print-deps:
	@fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' && ldconfig -p | grep -q libpango-1.0 || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 >/dev/null) \
	    || echo "warning: could not install fonts-noto-cjk/Pango; printed PDFs need them"; }

# Debian's Chromium and CJK fonts for the browser tests; installed when missing.
browser-deps: print-deps
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
	    || echo "warning: could not install chromium/fonts-noto-cjk; browser tests will be skipped"; }

test: install browser-deps lint
	$(BIN)/gridgov makemigrations --check --dry-run
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite:
	@echo "== tests on SQLite =="
	GRIDGOV_DATABASE_URL=sqlite:///var/test.sqlite3 $(BIN)/pytest -n 2 -q

test-postgres:
	@url="$${GRIDGOV_TEST_DATABASE_URL:-}"; \
	if [ -z "$$url" ] && $(PY) -c "import socket,sys,urllib.parse as u; a=u.urlsplit(sys.argv[1]); s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex((a.hostname or '127.0.0.1',a.port or 5432)))" "$(PG_URL)"; then \
	  url="$(PG_URL)"; fi; \
	if [ -z "$$url" ] && [ -n "$${CI:-}" ] && [ "$${CI}" != "false" ]; then \
	  echo "== PostgreSQL does not answer at $(PG_URL) and GRIDGOV_TEST_DATABASE_URL is unset: on CI (CI=$${CI}) that fails the run ==" >&2; exit 1; fi; \
	if [ -z "$$url" ]; then echo "== PostgreSQL not reachable: skipped (set GRIDGOV_TEST_DATABASE_URL; on CI it fails) =="; exit 0; fi; \
	echo "== tests on PostgreSQL =="; \
	GRIDGOV_DATABASE_URL="$$url" $(BIN)/pytest -n 2 -q

bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules $(STATIC_VENDOR) var/*.sqlite3*
