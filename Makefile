# Lantern. `make run` to try it, `make test` to test it, `make help` for the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=
# The PostgreSQL pass runs every test but the real-browser ones, which the SQLite pass runs
# (they drive the same server code through Chromium; CI must stay under 30 minutes).
PG_PYTEST_ARGS ?= -m "not browser"

.PHONY: help install run run-scaled code test test-sqlite test-postgres lint security format browser-deps bench soak soak-scaled clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

static/build/.built: node_modules/.installed scripts/build-assets.mjs $(wildcard static/src/*.scss)
	npm run --silent build
	@touch $@

install: $(VENV)/.installed static/build/.built ## Install Python and front-end dependencies

run: export LANTERN_DEMO = true
run: install ## Install, migrate, load demo data and serve on http://127.0.0.1:8000
	$(MANAGE) migrate --noinput
	$(MANAGE) demo_data
	$(MANAGE) serve

run-scaled: install ## The production layout on one machine: PostgreSQL, S3 (SeaweedFS), 2 web processes behind a proxy on :8000, 2 workers, demo data
	$(PY) scripts/run_scaled.py $(if $(FRESH),--fresh)

code: export LANTERN_DEMO = true
code: $(VENV)/.installed ## Print the current two-factor code of a demo user: make code USER=officer
	@$(MANAGE) demo_code "$(USER)"

lint: $(VENV)/.installed ## ruff (lint and format check), mypy, bandit and semgrep
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	@$(MAKE) --no-print-directory security

security: $(VENV)/.installed ## bandit and Lantern's semgrep rules (.semgrep/), offline; run by lint
	$(VENV)/bin/bandit -q -r lantern config scripts -x '*/tests/*,*/migrations/*' --severity-level medium
	SEMGREP_ENABLE_VERSION_CHECK=0 $(VENV)/bin/semgrep scan --config .semgrep --metrics=off \
	  --disable-version-check --error --quiet lantern config scripts templates

format: $(VENV)/.installed ## Format the code with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

browser-deps: ## Install Debian's Chromium and poppler's pdfsig for the tests (needs root)
	@if [ ! -x /usr/bin/chromium ] || ! command -v pdfsig >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing chromium and poppler-utils from Debian for the tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null) \
	      || echo "Could not install chromium and poppler-utils"; \
	  else echo "chromium or poppler-utils is missing and this user cannot install them"; fi; \
	fi

test: install browser-deps ## The whole suite: lint, SQLite, PostgreSQL, browser
	@# Lint and the two database passes run side by side (each pass has its own var/), so that
	@# CI stays under 30 minutes; each target's output is printed whole when it ends.
	@$(MAKE) --no-print-directory -j3 --output-sync=target lint test-sqlite test-postgres

test-sqlite: install ## Tests against SQLite
	@echo "== Tests on SQLite"
	LANTERN_ENV=test LANTERN_VAR_DIR="$(CURDIR)/var/test-sqlite" $(PY) -m pytest --ignore=tests/scaled $(PYTEST_ARGS)

test-postgres: install ## Tests against PostgreSQL (required when CI=true)
	@if $(PY) scripts/pg_reachable.py "$(PG_URL)"; then \
	  echo "== Tests on PostgreSQL"; \
	  LANTERN_ENV=test LANTERN_VAR_DIR="$(CURDIR)/var/test-postgres" DATABASE_URL="$(PG_URL)" $(PY) -m pytest $(PG_PYTEST_ARGS) $(PYTEST_ARGS); \
	elif [ "$$CI" = true ]; then \
	  echo "CI=true needs PostgreSQL at $(PG_URL), and it is not reachable" >&2; exit 1; \
	else echo "== PostgreSQL not reachable at $(PG_URL): skipped the PostgreSQL run"; fi

bench: install ## Benchmarks (ratios against a baseline measured in the same run; ONLY=ingest runs one)
	LANTERN_ENV=test $(PY) -m bench $(if $(ONLY),--only $(ONLY))

soak: install ## Fault soak: uploads, worker and database faults; full security matrix (UPLOADS=200)
	LANTERN_ENV=test LANTERN_FAULT_UPLOADS=$${UPLOADS:-200} LANTERN_SECURITY_FULL=1 \
	  LANTERN_FAULT_SUBMISSIONS=200 $(PY) -m pytest tests/faults tests/security -s

soak-scaled: install ## Mixed traffic on the scaled layout, then every file hash and the ledger verified (SOAK_SECONDS=1800)
	$(PY) scripts/soak_scaled.py --seconds $(or $(SOAK_SECONDS),1800)

clean: ## Remove the virtualenv, node_modules, built assets and var/
	rm -rf $(VENV) node_modules static/build var staticfiles
