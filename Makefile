# The two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
# make run PORT=8080 SMTP_PORT=2525: the site/API port and the embedded SMTP sink's.
PORT ?= 8000
SMTP_PORT ?= 8025
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	ONETIME_VAR="$(CURDIR)/var" ONETIME_SMTP_PORT=$(SMTP_PORT) $(BIN)/python -m onetime.cli demo --port $(PORT)

test: $(STAMP)
	$(BIN)/pytest -q -n 2 --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf var .pytest_cache .ruff_cache
