# Fresh machine: only python3 (with venv) is needed. Every target sets up what it needs
# once; the stamp is keyed on pyproject.toml, so a second run costs nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ENV    ?= prod
STAMP  := $(VENV)/.setup-$(shell $(PYTHON) -c "import hashlib;print(hashlib.sha256(open('pyproject.toml','rb').read()).hexdigest()[:16])")

.PHONY: setup validate validate-all test lint snapshot snapshot-update docs deps bench clean \
	e2e e2e-up e2e-down e2e-stage1

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
	$(BIN)/ruff check tools tests e2e
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

e2e: setup  ## the stack on a real single-node Kubernetes built from source; tears down after
	bash e2e/run.sh

e2e-up: setup  ## the same, but leaves the cluster and the release running
	bash e2e/run.sh --keep

e2e-down:
	bash e2e/run.sh --down

e2e-stage1: setup  ## API server only: dry-run=server of every environment, install, upgrades
	bash e2e/run.sh --stage1

clean:
	rm -rf $(VENV) charts/stack/charts .cache
