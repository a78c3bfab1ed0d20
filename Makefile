# Two commands do all set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast lint init-db chromium bench clean data-dictionary translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when a requirements file changes.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

# Compiled catalogs (.mo) are built from the committed .po files, never committed themselves.
TRANSLATIONS := screening/translations
MO_FILES := $(patsubst %.po,%.mo,$(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po))

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile -d $(TRANSLATIONS) -l $*

# After changing patient-facing words: extract them (babel.cfg says from where), merge them into each
# language's .po (translate the new and fuzzy entries there), and compile. See README, "Add a language".
translations: $(VENV)/.installed
	PYTHONPATH=. $(BIN)/pybabel extract -F babel.cfg -k N_ -k _l --no-wrap --omit-header --add-location=file -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-wrap --ignore-obsolete
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics

init-db: $(VENV)/.installed $(MO_FILES)
	FLASK_DEBUG=1 $(BIN)/flask --app run init-db
	FLASK_DEBUG=1 $(BIN)/flask --app run ensure-admin

# The web server and, beside it, the delivery worker that sends queued email (web requests never do);
# without SMTP_HOST it writes .eml files under instance/outbox. Ctrl-C stops both.
run: init-db
	FLASK_DEBUG=1 $(BIN)/flask --app run send-outbox --loop --interval 5 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	FLASK_DEBUG=1 $(BIN)/flask --app run run --host $(HOST) --port $(PORT)

# Browser tests drive Debian's Chromium; install it when missing and we may.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y chromium; \
	  else echo "Chromium is missing: run 'sudo apt-get install chromium' (browser tests will skip)"; fi; \
	fi

# Lint and format check (ruff, configured in pyproject.toml) and security lint (bandit): each finding fixed or justified on its line.
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r screening config.py run.py bench

test: $(VENV)/.installed-dev chromium lint $(MO_FILES)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Everything but the browser, load and crash tests: about a minute, for while you work.
test-fast: $(VENV)/.installed-dev $(MO_FILES)
	$(BIN)/python -m pytest -m "not browser and not slow" $(PYTEST_ARGS)

# Regenerate docs/data-dictionary-<version>.md and .csv from the definitions and the rules.
data-dictionary: $(VENV)/.installed
	FLASK_DEBUG=1 $(BIN)/flask --app run data-dictionary

# The app next to its baselines under the production command (README, Performance); options: BENCH_ARGS="--help".
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
