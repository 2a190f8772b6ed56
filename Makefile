# Marché Solidaire — the few verbs a developer needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := marketplace:create_app
HOST ?= 127.0.0.1
PORT ?= 5000
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432

.PHONY: install run test test-pg e2e lint security clean translations extract-messages chromium check-migrations

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d marketplace/translations --statistics 2>&1 | tail -n 2

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs '.* __pycache__' -o marketplace/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i marketplace/translations/messages.pot -d marketplace/translations --no-fuzzy-matching --ignore-obsolete

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	$(BIN)/flask search reindex
	@# Without STRIPE_SECRET_KEY, payments go to the local Stripe simulator, started alongside.
	@if [ -z "$$STRIPE_SECRET_KEY" ]; then \
		$(BIN)/flask stripe-simulator --webhook-url http://$(HOST):$(PORT)/webhooks/stripe & sim=$$!; \
		trap 'kill $$sim 2>/dev/null' EXIT INT TERM; \
		$(BIN)/flask run --host $(HOST) --port $(PORT); \
	else \
		$(BIN)/flask run --host $(HOST) --port $(PORT); \
	fi

test: install
	$(BIN)/pytest -m "not e2e" $(PYTEST_ARGS)

# Runs the suite against a fresh, uniquely named PostgreSQL database.
test-pg: install
	$(BIN)/python tests/pgdb.py $(PG_URL) -- $(BIN)/pytest -m "not e2e" $(PYTEST_ARGS)

# `flask db upgrade` on empty SQLite and PostgreSQL databases, then `flask db check`.
check-migrations: install
	tmp=$$(mktemp -d) && DATABASE_URL=sqlite:///$$tmp/check.db $(BIN)/flask db upgrade \
		&& DATABASE_URL=sqlite:///$$tmp/check.db $(BIN)/flask db check && rm -rf $$tmp
	$(BIN)/python tests/pgdb.py $(PG_URL) -- sh -c '$(BIN)/flask db upgrade && $(BIN)/flask db check'

chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null)

e2e: install chromium
	$(BIN)/pytest -m e2e tests/e2e $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check marketplace seeds tests benchmarks

# bandit over the code: no unreviewed finding (the security tests run with the suite).
security: install
	$(BIN)/bandit -c pyproject.toml -r marketplace seeds -q

clean:
	rm -rf $(VENV) build *.egg-info artifacts .coverage htmlcov
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find marketplace/translations -name '*.mo' -delete
