# The only commands anyone needs: demo, test, bench, eval, lint.
# Each target creates .venv on first use; a stamp file re-installs only when pyproject.toml changes.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
DEMO_WS ?= $(CURDIR)/.demo-workspace

.PHONY: demo test bench eval lint browser clean train-verifier

$(BIN)/python:
	@command -v $(PY) >/dev/null || { echo "Python 3.11 is required (looked for $(PY))"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned: the CPU build on disk. An unpinned torch pulls a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0

$(VENV)/.base-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.all-installed: pyproject.toml | $(BIN)/python
	# llama-cpp-python compiles from source (~5 min on 2 cores the first time; pip caches the wheel).
	$(BIN)/pip install --quiet -e '.[llm,test]'
	touch $@ $(VENV)/.base-installed

# Debian's Chromium for the HTML tests in a real headless browser.
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
		else echo "Install chromium and chromium-driver (Debian packages) for the browser tests"; fi; \
	fi

demo: $(VENV)/.base-installed
	$(BIN)/desk --workspace $(DEMO_WS) init --quiet-if-exists
	$(BIN)/desk --workspace $(DEMO_WS) ingest corpus/
	$(BIN)/desk --workspace $(DEMO_WS) draft "Anchorage talks and the Ankara NATO summit" \
		--out $(DEMO_WS)/exports/demo.md --also-json $(DEMO_WS)/exports/demo.json

test: $(VENV)/.all-installed browser
	$(BIN)/python -m pytest -q -ra

bench: $(VENV)/.all-installed
	$(BIN)/python -m bench

eval: $(VENV)/.all-installed
	$(BIN)/python -m bench.eval

# The verifier's entailment model: prepare the pairs (~3 min idle), train (~75 min on an idle
# 2-core machine), write assistant/verify/model/ and its DATA_CARD.md. Resumable: run it again
# after a kill or a --max-minutes stop and it continues from the last checkpoint.
# Smoke test in minutes: make train-verifier TRAIN_ARGS="--sample 400"
TRAIN_ARGS ?=
train-verifier: $(VENV)/.base-installed
	$(BIN)/python -m bench.verifier_training all $(TRAIN_ARGS)

lint: $(VENV)/.all-installed
	$(BIN)/ruff check assistant tests bench
	$(BIN)/ruff format --check assistant tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy assistant

clean:
	rm -rf $(VENV) $(DEMO_WS)
