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

# llama-cpp-python compiles from source (~5 min on 2 cores). A native build (-march=native) uses
# every instruction the CPU lists, AMX included, and a VM that lists AMX without granting it dies
# with "Illegal instruction" at the first decode; so the build targets AVX2 (x86-64-v3), which
# every machine here has. pip's own wheel cache ignores CMAKE_ARGS, so our wheel is cached in a
# folder named after the flags and the version range.
LLAMA_SPEC := llama-cpp-python[server]>=0.3,<0.4
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
LLAMA_WHEELS := $(HOME)/.cache/desk-assistant/wheels/$(shell echo '$(LLAMA_SPEC) $(LLAMA_CMAKE_ARGS)' | sha1sum | cut -c1-12)

$(VENV)/.all-installed: pyproject.toml Makefile | $(BIN)/python
	@if ! ls $(LLAMA_WHEELS)/llama_cpp_python-*.whl >/dev/null 2>&1; then \
		echo "building llama-cpp-python for AVX2 (about 5 minutes, once per machine)"; \
		CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip wheel --quiet --no-deps --no-cache-dir \
			-w $(LLAMA_WHEELS) '$(LLAMA_SPEC)'; \
	fi
	$(BIN)/pip install --quiet --force-reinstall --no-deps $(LLAMA_WHEELS)/llama_cpp_python-*.whl
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
