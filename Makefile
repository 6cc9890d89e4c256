# The two Quick start commands, `make run` and `make test`, and what they need.
# Each creates ./.venv and installs the locked dependencies (requirements.lock) on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# The OpenAPI contract's linters and client generators (pinned npm packages and openapi-python-client in
# a venv of its own, so its dependencies never mix with the app's).
CONTRACT := tools/contract
CONTRACT_TOOLS := $(CONTRACT)/.installed

.PHONY: run test lock clean openapi

run: $(INSTALLED)  ## Serve the API on the embedded SQLite database, migrated and seeded.
	$(BIN)/inventory install-docs-assets
	$(BIN)/inventory serve

test: $(INSTALLED) $(CONTRACT_TOOLS)  ## Run the whole test suite (PostgreSQL too when INVENTORY_TEST_POSTGRES_URL is set).
	$(BIN)/inventory install-docs-assets
	$(BIN)/pytest -n auto --dist loadgroup

$(INSTALLED): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (set PYTHON=...)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { echo "Cannot create a virtual environment: on Debian/Ubuntu install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(INSTALLED)

openapi: $(INSTALLED)  ## Regenerate the committed OpenAPI document (openapi.json) from the app.
	$(BIN)/inventory openapi > openapi.json

$(CONTRACT_TOOLS): $(CONTRACT)/package.json $(CONTRACT)/package-lock.json $(CONTRACT)/requirements.lock
	@command -v npm >/dev/null || { echo "npm is required for the OpenAPI contract tests: on Debian install nodejs and npm"; exit 1; }
	cd $(CONTRACT) && npm ci --no-audit --no-fund --loglevel=error
	@test -x $(CONTRACT)/.venv/bin/python || $(PYTHON) -m venv $(CONTRACT)/.venv
	$(CONTRACT)/.venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r $(CONTRACT)/requirements.lock
	@touch $(CONTRACT_TOOLS)

lock:  ## Re-resolve requirements.lock (with the test tools) and requirements-runtime.lock (the image's) from pyproject.toml (needs uv).
	uv pip compile pyproject.toml --extra test --generate-hashes --python-version 3.11 -o requirements.lock
	uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -o requirements-runtime.lock

clean:
	rm -rf $(VENV) var .pytest_cache $(CONTRACT)/node_modules $(CONTRACT)/.venv $(CONTRACT_TOOLS)
