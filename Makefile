# Aktive Lokalsamfunn portal. `make run` and `make test` are all a new machine needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint messages migrate demo clean bench-export bench serve backup restore

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

## Serve the portal with the Konnerud demo data at http://127.0.0.1:$(PORT) (DEBUG on, SQLite
## unless DATABASE_URL is set). E-mails are printed in this terminal as soon as a change is
## saved: console e-mail backend, background tasks run immediately.
run: export DEBUG = true
run: export TASKS_BACKEND ?= immediate
run: export PORTAL_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.installed messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_roles
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## The Nu HTML checker the browser tests run (vnu.jar from npm, run with Debian's Java).
## --ignore-scripts: its install script would download a Java of its own.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the browser tests will be skipped (apt-get install npm)"; fi

## Lint, check the layers (import-linter), check migrations and run the tests (PostgreSQL when DATABASE_URL is set, else SQLite).
test: $(VENV)/.installed-dev messages node_modules/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

## Time the reports CSV export of 200,000 throwaway reports (rolled back afterwards) and print
## its peak memory. SQLite unless DATABASE_URL is set; BENCH_REPORTS=20000 for a quicker run.
BENCH_REPORTS ?= 200000
bench-export: export DEBUG = true
bench-export: $(VENV)/.installed
	$(PY) manage.py migrate --noinput --verbosity 0
	$(PY) manage.py bench_export --reports $(BENCH_REPORTS)

## Production: collect static files and run gunicorn with gunicorn.conf.py. Needs the production
## environment (an env file or variables; see "In production" in the README).
serve: $(VENV)/.installed messages
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(VENV)/bin/gunicorn --config gunicorn.conf.py aktive.wsgi

## Back up the PostgreSQL database to $(BACKUP_DIR)/aktive-<date>-<time>.dump (pg_dump -Fc).
BACKUP_DIR ?= backups
backup: $(VENV)/.installed
	$(PY) manage.py backup --dir "$(BACKUP_DIR)"

## Restore a dump into the empty database of DATABASE_URL: make restore FILE=backups/….dump
restore: $(VENV)/.installed
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=backups/aktive-….dump"; exit 2; }
	$(PY) manage.py restore "$(FILE)"

## Benchmark every page at county scale on PostgreSQL (127.0.0.1:5432, user postgres) with Redis
## (127.0.0.1:6379) as the shared cache: generates 50 communities x 200 measures x 20 reports into
## BENCH_DB (aktive_bench) once, serves them with gunicorn (DEBUG off) beside a minimal Django
## application and measures with wrk; writes bench/results.md. See bench/run.py.
bench: $(VENV)/.installed messages
	@command -v wrk >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	@command -v redis-server >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null)
	@redis-cli ping >/dev/null 2>&1 || redis-server --daemonize yes >/dev/null
	@pg_isready -h 127.0.0.1 -p 5432 -q || (pg_ctlcluster --skip-systemctl-redirect \
		"$$(ls /etc/postgresql | head -1)" main start && sleep 2)
	$(PY) bench/run.py

## Compile the Norwegian translations (GNU gettext's msgfmt when present, else polib).
messages: $(VENV)/.installed
	$(PY) locale/compile.py

clean:
	rm -rf $(VENV) node_modules db.sqlite3 staticfiles .pytest_cache
