#!/usr/bin/env bash
# Install the third-party editor the end-to-end editor tests drive: Debian's Neovim.
#
#   scripts/install_editor_deps.sh          # what `make setup` runs; idempotent
#
# Fast when `nvim` is already on PATH (nothing is looked up). Otherwise installs the
# `neovim` package with apt-get, running `apt-get update` first only when apt does not
# know the package yet. Needs root (or sudo) for the install; exits non-zero with a
# message saying what to do when it cannot install.
set -euo pipefail

if command -v nvim >/dev/null 2>&1; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_editor_deps: nvim is missing and apt-get is not available;" \
         "install Neovim (0.7 or newer) with your package manager." >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo -n"
    else
        echo "install_editor_deps: nvim is missing; run 'apt-get install neovim' as root." >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
install() { $SUDO apt-get install -y -qq --no-install-recommends neovim >/dev/null 2>&1; }
if ! apt-cache show neovim >/dev/null 2>&1; then
    $SUDO apt-get update -qq
fi
# a stale package list can name a file the mirror no longer has: refresh once and retry
install || { $SUDO apt-get update -qq && install; } || {
    echo "install_editor_deps: 'apt-get install neovim' failed; run it by hand to see why." >&2
    exit 1
}
command -v nvim >/dev/null 2>&1 || { echo "install_editor_deps: neovim installed but nvim is not on PATH." >&2; exit 1; }
echo "install_editor_deps: installed $(nvim --version | head -n 1)"
