# The two commands: `make demo` and `make test` (plus `make bench`). A fresh machine needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
MEMBERS ?= 8000

.PHONY: demo test messages lint typecheck migrations-check pytest-sqlite pytest-postgres bench serve clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/grassroots migrate --noinput -v0
	$(BIN)/grassroots collectstatic --noinput -v0
	$(BIN)/grassroots demo --members $(MEMBERS)
	$(BIN)/grassroots serve --port $(PORT)

serve: $(STAMP)
	$(BIN)/grassroots serve --port $(PORT)

test: lint typecheck migrations-check pytest-sqlite pytest-postgres

lint: $(STAMP)
	$(BIN)/ruff check grassroots bench tests
	$(BIN)/ruff format --check grassroots bench tests

typecheck: $(STAMP)
	$(BIN)/mypy grassroots

migrations-check: $(STAMP)
	env -u DATABASE_URL DJANGO_SETTINGS_MODULE=grassroots.config.settings.test $(BIN)/grassroots makemigrations --check --dry-run

pytest-sqlite: $(STAMP)
	env -u DATABASE_URL $(BIN)/pytest -p no:cacheprovider

pytest-postgres: $(STAMP)
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "pytest on PostgreSQL ($$DATABASE_URL)"; \
		$(BIN)/pytest -p no:cacheprovider; \
	else \
		echo "DATABASE_URL is not set: skipping the PostgreSQL run"; \
	fi

bench: $(STAMP)
	$(BIN)/python -m bench.run

# Refresh the English catalogue after changing UI strings (then translate the new entries).
messages: $(STAMP)
	cd grassroots && ../$(BIN)/grassroots makemessages -l en --ignore "*/tests/*" --ignore "*/migrations/*"
	msgfmt --check -o grassroots/locale/en/LC_MESSAGES/django.mo grassroots/locale/en/LC_MESSAGES/django.po

clean:
	rm -rf $(VENV) var/static
