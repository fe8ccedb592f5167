# Fresh machine: only python3 >= 3.11 (with venv) is needed. Every target sets up what it
# needs once; the stamp is keyed on pyproject.toml, so a second run costs nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ENV    ?= prod
NODES  ?= 1
KRAFT  ?= 0
STAMP  := $(VENV)/.setup-$(shell cksum < pyproject.toml | cut -d' ' -f1)
# "yes" when the venv's interpreter still runs and is new enough. Otherwise (an older
# python made it, or that python is gone) the venv is recreated, not reused and failed on.
VENV_OK := $(shell sh tools/require-python.sh --quiet $(BIN)/python && echo yes)

.PHONY: FORCE setup validate validate-all test lint snapshot snapshot-update docs deps package bench clean \
	e2e e2e-up e2e-down e2e-stage1 bench-cluster

setup: $(STAMP)

$(STAMP): pyproject.toml $(if $(VENV_OK),,FORCE)
ifneq ($(VENV_OK),yes)
	@sh tools/require-python.sh $(PYTHON)
	$(if $(wildcard $(VENV)),rm -rf $(VENV))
	$(PYTHON) -m venv $(VENV)
endif
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/stackctl setup
	rm -f $(VENV)/.setup-*
	touch $@

validate: setup  ## render + validate one environment: make validate ENV=prod
	$(BIN)/stackctl validate --env $(ENV)

validate-all: setup
	$(BIN)/stackctl validate --all

test: setup  ## ruff + mypy + the default pytest suite (exit 5, "no tests collected", fails)
	$(BIN)/ruff check tools tests e2e
	$(BIN)/mypy
	$(BIN)/pytest -q -n auto; rc=$$?; \
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

package: setup  ## every chart as an archive + index.yaml in dist/ (URL=https://... for the index)
	$(BIN)/stackctl package --output-dir dist $(if $(URL),--url $(URL))

bench: setup
	$(BIN)/python benchmarks/bench.py

# NODES=3: three nodes (each its own network namespace, containerd, kubelet) and prod's
# topology on them: placement, drains, node loss (e2e/checks/nodes) instead of the
# single-node paths.
# KRAFT=1: one node and KRaft mode (environments/kraft.yaml: controllers, Kafka 4, no
# ZooKeeper): the quorum checks (e2e/checks/kraft) and the brokers' (test_2_kafka).
e2e: setup  ## the stack on a real Kubernetes built from source (NODES=3: multi-node; KRAFT=1: KRaft); tears down after
	E2E_NODES=$(NODES) E2E_KRAFT=$(KRAFT) bash e2e/run.sh

e2e-up: setup  ## the same, but leaves the cluster and the release running
	E2E_NODES=$(NODES) E2E_KRAFT=$(KRAFT) bash e2e/run.sh --keep

e2e-down:
	bash e2e/run.sh --down

# The benchmark of the deployed cluster: the chart (1 and 3 brokers) against a bare broker
# from the same jars, on the e2e cluster; prints a table, asserts nothing, tears down after.
# BENCH_RECORDS (default 200000 x 1 KiB) and BENCH_ROUNDS (3) size it.
bench-cluster: setup
	BENCH_RECORDS=$(BENCH_RECORDS) BENCH_ROUNDS=$(BENCH_ROUNDS) bash e2e/run.sh --bench

e2e-stage1: setup  ## API server only: dry-run=server of every environment, install, upgrades
	bash e2e/run.sh --stage1

clean:
	rm -rf $(VENV) charts/*/charts .cache dist .mypy_cache
	rm -f charts/*/charts/*.tgz charts/*/charts/.stackctl-deps.sha256

FORCE:
