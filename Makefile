# Handoff developer commands. Everything runs through .venv/bin; nothing needs activating.
#
#   make run     web server + Celery worker/beat on SQLite, demo data, http://127.0.0.1:8000/
#   make test    install what the tests need, then checks and the whole pytest suite
#   make check   lint, format, types and migration checks only
#   make format  rewrite the code with ruff (format + autofix)
#   make clean   remove the local database, queues, caches and screenshots (keeps .venv)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
DATA_DIR := $(or $(HANDOFF_DATA_DIR),var)
PYTEST_ARGS ?=

# Stamp files named after a hash of the requirements: installing again happens only when a
# requirements file changed, and costs nothing otherwise.
REQ_HASH := $(shell cat requirements.txt | sha256sum | cut -c1-12)
DEV_HASH := $(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-12)
RUN_STAMP := $(VENV)/.installed-run-$(REQ_HASH)
DEV_STAMP := $(VENV)/.installed-dev-$(DEV_HASH)

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test check lint format clean venv venv-dev chromium

venv: $(RUN_STAMP)
venv-dev: $(DEV_STAMP)

$(PY):
	@test -n "$(PYTHON)" || { echo "Python 3.11 is required (python3.11 not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-run-*
	@touch $@

$(DEV_STAMP): | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-dev-* $(VENV)/.installed-run-*
	@touch $@ $(RUN_STAMP)

# Browser tests drive Debian's chromium (no `playwright install` download).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		echo "Installing chromium for the browser tests (apt-get)"; \
		$$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends chromium; \
	}

run: $(RUN_STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --if-empty
	@echo
	@if [ -f $(DATA_DIR)/demo-logins.txt ]; then \
		cat $(DATA_DIR)/demo-logins.txt; \
	else \
		echo "Demo logins: see the output of load_demo above."; \
	fi
	@echo
	@echo "Handoff is starting at http://127.0.0.1:8000/  (stop with Ctrl-C)"
	@echo
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start --procfile Procfile

check: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

test: $(DEV_STAMP) chromium check
	$(BIN)/pytest $(PYTEST_ARGS)

lint: format

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var/ .mypy_cache/ .ruff_cache/ .pytest_cache/ .hypothesis/ tests/screenshots/
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
