# The two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
# make run PORT=8080 SMTP_PORT=2525: the site/API port and the embedded SMTP sink's.
PORT ?= 8000
SMTP_PORT ?= 8025
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench install clean i18n

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

# The message catalogue (src/onetime/i18n): pybabel extracts the ids that `t("…")` names
# in each domain's code and templates into build/i18n/<domain>.pot (for review and
# translation tools); English is then updated from Japanese, the source: an id new in ja
# arrives in en with its Japanese text, one removed from ja turns obsolete. tests/i18n then
# names every id the code uses that ja lacks, and every en message still in Japanese.
LOCALE := src/onetime/i18n/locale
I18N_DOMAINS := site app mail
I18N_SOURCES_site := src/onetime/web src/onetime/banking src/onetime/domain
I18N_SOURCES_app := src/onetime/app
I18N_SOURCES_mail := src/onetime/mail

i18n: $(STAMP)
	mkdir -p build/i18n
	$(foreach d,$(I18N_DOMAINS),$(BIN)/pybabel -q extract -F src/onetime/i18n/babel.cfg \
	  --no-default-keywords -k t -k _ --project onetime -o build/i18n/$(d).pot \
	  $(I18N_SOURCES_$(d)) &&) true
	$(foreach d,$(I18N_DOMAINS),$(BIN)/pybabel -q update -D $(d) -l en -d $(LOCALE) \
	  -i $(LOCALE)/ja/LC_MESSAGES/$(d).po --no-fuzzy-matching &&) true
	$(BIN)/pytest -q -p no:randomly tests/i18n

clean:
	rm -rf var build .pytest_cache .ruff_cache
