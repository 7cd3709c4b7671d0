# Two commands: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# exported, so `flask db upgrade`, `demo load` and gunicorn derive the same ISSUER from it
export PORT
STAMP := $(VENV)/.installed

.PHONY: run test lint openapi migrate demo serve fuzz clean

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

migrate: $(STAMP)
	$(BIN)/flask --app wsgi db upgrade

demo: migrate
	$(BIN)/flask --app wsgi demo load

run: demo
	PORT=$(PORT) $(BIN)/gunicorn wsgi:app -c gunicorn.conf.py

serve: migrate
	$(BIN)/gunicorn wsgi:app -c gunicorn.conf.py

test: $(STAMP)
	$(BIN)/pytest -q

fuzz: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider tests/hardening/fuzz_api.py

lint: $(STAMP)
	$(BIN)/ruff check .

openapi: $(STAMP)
	$(BIN)/flask --app wsgi openapi write openapi/openapi.json

clean:
	rm -rf $(VENV) instance/*.sqlite3* .pytest_cache .hypothesis
