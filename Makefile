# Lianxin: two commands on a fresh machine.
#   make demo   install, migrate, load the demo township, serve http://127.0.0.1:8000
#   make test   install, run the whole suite (SQLite by default; DATABASE_URL for PostgreSQL)
#               in two passes: xdist for most tests, then the browser tests serially
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: demo test install system-deps lint format messages check-compose serve worker beat clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages the browser tests need (Chromium, CJK fonts, gettext). Installed only when
# missing and only where apt-get can run (root); elsewhere the suite says what is absent.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi 'noto sans cjk\|wenquanyi' || missing="$$missing fonts-noto-cjk"; \
	command -v msgfmt >/dev/null 2>&1 || missing="$$missing gettext"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing system packages:$$missing (install them with your package manager)"; fi; \
	fi

messages: $(STAMP)
	@if command -v msgfmt >/dev/null 2>&1; then $(PY) manage.py compilemessages -v0 --ignore='.venv/*'; fi

demo: export DJANGO_DEBUG ?= 1
demo: $(STAMP) messages
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo
	@echo "连心 is serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop; the scheduled jobs run beside it)"
	$(PY) manage.py run_jobs & jobs=$$!; trap 'kill $$jobs' EXIT INT TERM; \
		$(PY) manage.py runserver $(HOST):$(PORT)

# Two pytest invocations (.ci/test): all but the browser tests across the cores (pytest-xdist),
# then the browser tests one at a time; one summary line each, and the rerun command on failure.
# PYTEST_ARGS adds pytest options to both, PYTEST_WORKERS sets the xdist workers (default: cores).
test: export DJANGO_SECRET_KEY ?= insecure-test-key-not-for-production
test: export DJANGO_DEBUG = 0
test: $(STAMP) system-deps messages
	@PY=$(PY) PYTEST_ARGS="$(PYTEST_ARGS)" bash .ci/test

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check-compose: $(STAMP)
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

# The production processes without Docker (see README): web, worker, beat.
serve: $(STAMP)
	$(PY) manage.py collectstatic --noinput -v0
	$(VENV)/bin/gunicorn config.wsgi:application --bind $(HOST):$(PORT) --workers 3
worker: $(STAMP)
	$(VENV)/bin/celery -A config worker --loglevel=INFO
beat: $(STAMP)
	$(VENV)/bin/celery -A config beat --loglevel=INFO

clean:
	rm -rf $(VENV) var/staticfiles var/e2e-static
