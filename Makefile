# The two commands: `make demo` and `make test` (plus `make bench`). A fresh machine needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
MEMBERS ?= 8000

.PHONY: demo test api-schema messages lint typecheck migrations-check pytest-databases pytest-sqlite pytest-postgres bench serve clean

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

# pytest includes the schemathesis run against the live OpenAPI document (grassroots/api/tests/
# test_schemathesis.py), so both pytest runs fuzz every API route on their database. The SQLite
# and PostgreSQL runs go side by side (tools/pytest-databases); pytest-sqlite and pytest-postgres
# run one of them alone.
test: lint typecheck migrations-check pytest-databases

pytest-databases: $(STAMP)
	BIN=$(BIN) tools/pytest-databases

# The schemathesis run alone, deeper: `make api-schema SCHEMATHESIS_EXAMPLES=50`.
SCHEMATHESIS_EXAMPLES ?= 6
api-schema: $(STAMP)
	SCHEMATHESIS_EXAMPLES=$(SCHEMATHESIS_EXAMPLES) $(BIN)/pytest -p no:cacheprovider grassroots/api/tests/test_schemathesis.py

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
