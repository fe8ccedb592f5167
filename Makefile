# Fresh machine: only python3 (with venv) is needed. Every target sets up what it needs
# once; the stamp is keyed on pyproject.toml, so a second run costs nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ENV    ?= prod
STAMP  := $(VENV)/.setup-$(shell $(PYTHON) -c "import hashlib;print(hashlib.sha256(open('pyproject.toml','rb').read()).hexdigest()[:16])")

.PHONY: setup validate validate-all test lint snapshot snapshot-update docs deps bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/stackctl setup
	rm -f $(VENV)/.setup-*
	touch $@

validate: setup  ## render + validate one environment: make validate ENV=prod
	$(BIN)/stackctl validate --env $(ENV)

validate-all: setup
	$(BIN)/stackctl validate --all

test: setup  ## ruff + the default pytest suite (exit 5, "no tests collected", is a failure)
	$(BIN)/ruff check tools tests
	$(BIN)/pytest -q; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; fi; exit $$rc

lint: setup
	$(BIN)/stackctl lint

snapshot: setup
	$(BIN)/stackctl snapshot

snapshot-update: setup
	$(BIN)/stackctl snapshot --update

docs: setup
	$(BIN)/stackctl docs

deps: setup
	$(BIN)/stackctl deps

bench: setup
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) charts/stack/charts .cache
