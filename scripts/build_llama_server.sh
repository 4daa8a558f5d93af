#!/usr/bin/env bash
# Build llama.cpp's own `llama-server` (the lab's shared model server, `error-tutor lab-server`) from the
# llama.cpp sources that the pinned llama-cpp-python sdist vendors, once per version and set of CMake flags,
# and keep the binary in the cache: a second `make setup` takes a second.
#
#   scripts/build_llama_server.sh 0.3.36                      # make setup: VERSION from pyproject.toml
#   scripts/build_llama_server.sh 0.3.36 "-DGGML_CUDA=ON ..."  # other flags: another cached binary
#
# The binary lands in <cache>/bin/llama-server-VERSION-KEY/llama-server (KEY: a hash of the flags), where
# `error-tutor lab-server` looks for it. The sdist is downloaded once into <cache>/sdist/ (pip's own cache
# serves a repeat). Portable AVX2, never -march=native (its AMX kernels segfault on batched decoding in some
# VMs, llama.cpp#20824); no web UI (its assets would be downloaded at build time) and no libcurl.
# About 15 minutes on 2 cores the first time. Set JOBS to change the build's parallelism (default 2).
set -euo pipefail
version=${1:?usage: build_llama_server.sh VERSION [CMAKE_ARGS]}
portable="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
cmake_args=${2:-$portable}
fixed="-DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
-DLLAMA_CURL=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DBUILD_SHARED_LIBS=OFF"
python=${PYTHON:-$(dirname "$0")/../.venv/bin/python}
[ -x "$python" ] || python=python3
cache="${XDG_CACHE_HOME:-$HOME/.cache}/error-tutor"
key=$(printf '%s %s' "$fixed" "$cmake_args" | sha1sum | cut -c1-12)
target="$cache/bin/llama-server-$version-$key"
if [ -x "$target/llama-server" ]; then
  exit 0  # built before with these flags
fi
mkdir -p "$cache/bin" "$cache/sdist"
exec 9>"$cache/bin/.build-llama-server.lock"
flock 9  # two set-ups at once build it once
[ -x "$target/llama-server" ] && exit 0

sdist="$cache/sdist/llama_cpp_python-$version.tar.gz"
if [ ! -s "$sdist" ]; then
  echo "Downloading the llama-cpp-python $version sdist for its llama.cpp sources" >&2
  tmp_download=$(mktemp -d "$cache/sdist/.download.XXXXXX")
  "$python" -m pip download -q --no-binary :all: --no-deps "llama-cpp-python==$version" -d "$tmp_download"
  mv "$tmp_download/llama_cpp_python-$version.tar.gz" "$sdist"
  rm -rf "$tmp_download"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/llama-server-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar -xzf "$sdist" -C "$work" --strip-components=3 "llama_cpp_python-$version/vendor/llama.cpp"
echo "Building llama-server (llama.cpp of llama-cpp-python $version; about 15 minutes on 2 cores): $cmake_args" >&2
started=$(date +%s)
# shellcheck disable=SC2086  # the flags are words
cmake -S "$work" -B "$work/build" $fixed $cmake_args >"$work/configure.log" 2>&1 \
  || { tail -30 "$work/configure.log" >&2; echo "error: configuring llama.cpp failed (needs CMake 3.14+ and a C++17 compiler)" >&2; exit 1; }
cmake --build "$work/build" --target llama-server -j "${JOBS:-2}" >"$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log" >&2; echo "error: building llama-server failed" >&2; exit 1; }
"$work/build/bin/llama-server" --version >/dev/null 2>&1 \
  || { echo "error: the built llama-server does not run" >&2; exit 1; }
mkdir -p "$target.tmp"
cp "$work/build/bin/llama-server" "$target.tmp/llama-server"
cp "$work/LICENSE" "$target.tmp/LICENSE"
printf 'llama-cpp-python %s\nflags %s %s\nbuilt %s in %ss\n' "$version" "$fixed" "$cmake_args" \
  "$(date -u +%FT%TZ)" "$(( $(date +%s) - started ))" >"$target.tmp/BUILD-INFO"
rm -rf "$target" && mv "$target.tmp" "$target"
echo "llama-server built in $(( $(date +%s) - started )) s: $target/llama-server" >&2
