# One-line recipes; CI calls the same ones (`make test`).
PYTHON ?= $(shell for candidate in python3.12 $(HOME)/.pyenv/versions/3.12*/bin/python3.12 python3.13 python3 ; do \
	if command -v $$candidate >/dev/null 2>&1 && $$candidate -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then echo $$candidate; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# Loopback unless asked: `make run ADDRESS=0.0.0.0` serves the local network.
ADDRESS ?= 127.0.0.1

# Client-facing words in other languages (README, Languages): each .po is compiled to its .mo.
MESSAGE_CATALOGS := $(wildcard trustcare/locale/*/LC_MESSAGES/messages.po)
COMPILED_CATALOGS := $(MESSAGE_CATALOGS:.po=.mo)

.PHONY: install run test test-fast lint demo screenshots bench clean messages

$(BIN)/python:
	@test -n "$(PYTHON)" || (echo "Python 3.11 or newer is needed (3.12 preferred)"; exit 1)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

trustcare/locale/%/LC_MESSAGES/messages.mo: trustcare/locale/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -l $* -i $< -o $@

install: $(VENV)/.installed $(COMPILED_CATALOGS)

# After changing a client-facing string: extract it, then translate the new entries of each .po.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k in_every_language --no-location --sort-output --project=TrustCare --copyright-holder="TrustCare contributors" -o trustcare/locale/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --width=100 -i trustcare/locale/messages.pot -d trustcare/locale

run: install
	$(BIN)/trustcare db upgrade
	$(BIN)/streamlit run server.py --server.address $(ADDRESS) --server.port $(PORT)

# One test worker per core; a file's tests stay on one worker (they share its fixtures).
test: install
	$(BIN)/python -m pytest -q -n auto --dist loadfile

test-fast: install
	$(BIN)/python -m pytest -q tests/unit tests/integration

# The layering contracts are in pyproject.toml, [tool.importlinter].
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache --no-logo

# Page and check-in timings at 40 and 400 couples on SQLite (see README, Performance).
bench: install
	$(BIN)/python -m bench --quick

demo: install
	TRUSTCARE_DATABASE_URL=sqlite:///var/demo.db $(BIN)/trustcare seed-demo

screenshots: install
	TRUSTCARE_SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest -q tests/e2e/test_progress_and_session_mode.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
