#!/usr/bin/env bash
# Build llama-cpp-python from its sdist once per set of CMake flags, keep the wheel, install it.
#
# pip's own wheel cache ignores CMAKE_ARGS, so a wheel built with other flags (a CUDA build,
# or a -march=native build that uses AMX kernels which crash in some VMs) would be reused
# silently. We key our own wheel folder by the flags instead.
#   scripts/install_llama_cpp.sh .venv/bin/python VERSION "-DLLAVA_BUILD=OFF ..."   # make setup: VERSION from pyproject.toml
set -euo pipefail
python=$1 version=$2 cmake_args=$3
key=$(printf '%s' "$cmake_args" | sha1sum | cut -c1-12)
wheels="${XDG_CACHE_HOME:-$HOME/.cache}/error-tutor/wheels/llama-cpp-python-$version-$key"
if ! ls "$wheels"/llama_cpp_python-"$version"-*.whl >/dev/null 2>&1; then
  echo "Building llama-cpp-python $version from source (about 10 minutes on 2 cores): CMAKE_ARGS=$cmake_args" >&2
  mkdir -p "$wheels.tmp"
  CMAKE_ARGS="$cmake_args" "$python" -m pip wheel --no-deps --no-cache-dir -w "$wheels.tmp" "llama-cpp-python==$version"
  rm -rf "$wheels" && mv "$wheels.tmp" "$wheels"
fi
"$python" -m pip install -q --force-reinstall --no-deps "$wheels"/llama_cpp_python-"$version"-*.whl
"$python" -m pip install -q "llama-cpp-python==$version"  # its dependencies (numpy, jinja2, diskcache)
