# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python

# Other ports: make run PORT=8001 SANDBOX_PORT=8101 ACTIVATE_SANDBOX_PORT=8201
PORT ?= 8000
SANDBOX_PORT ?= 8100
ACTIVATE_SANDBOX_PORT ?= 8200

.PHONY: run reset test lint format bench-intake install

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

## Migrate, create the demo login, and start web + worker + beat + the ROLLER sandbox and
## the Activate stand-in; the demo account is connected to the stand-in once it answers.
run: $(VENV)/.installed
	$(PY) manage.py migrate --no-input
	$(PY) manage.py demo_setup
	$(PY) manage.py run_local --port $(PORT) --sandbox-port roller=$(SANDBOX_PORT) \
		--sandbox-port activate=$(ACTIVATE_SANDBOX_PORT) --once "activate_connect --wait 30"

## Forget the demo: var/ (broker, beat schedule, the sandbox's venue) and the SQLite database.
## With DATABASE_URL set, drop that database yourself.
reset:
	rm -rf var db.sqlite3 db.sqlite3-wal db.sqlite3-shm

## Run the whole test suite (DATABASE_URL / CELERY_BROKER_URL switch to PostgreSQL / Redis).
test: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.installed
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .
