#!/usr/bin/env bash
# Install the third-party editors that the end-to-end editor tests drive: Debian's Neovim
# (tests/test_neovim.py) and, when asked, Emacs with Eglot (tests/test_emacs.py); and Debian's
# clang, so that cCompiler: auto finds it (the C checks and their tests run with gcc and clang).
#
#   scripts/install_editor_deps.sh                # what `make setup` runs; idempotent
#   scripts/install_editor_deps.sh --with-emacs   # also Emacs and Eglot (tests/test_emacs.py)
#
# Fast when the editors are already installed (nothing is looked up). Otherwise installs
# Debian's packages with apt-get, running `apt-get update` first only when apt does not
# know a package yet. Needs root (or passwordless sudo). When it cannot install it says
# what to run and exits 0, so `make setup` goes on; the editor tests then skip with that reason.
set -euo pipefail

PACKAGES=()
command -v nvim >/dev/null 2>&1 || PACKAGES+=(neovim)
command -v clang >/dev/null 2>&1 || PACKAGES+=(clang)  # cCompiler: clang / auto, and its analysis flags
if [ "${1:-}" = "--with-emacs" ]; then
    command -v emacs >/dev/null 2>&1 || PACKAGES+=(emacs-nox)
    ls -d /usr/share/emacs/site-lisp/elpa-src/eglot-* >/dev/null 2>&1 || PACKAGES+=(elpa-eglot)
elif [ $# -gt 0 ]; then
    echo "usage: $0 [--with-emacs]" >&2
    exit 2
fi
if [ ${#PACKAGES[@]} -eq 0 ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_editor_deps: warning: apt-get is not available; install ${PACKAGES[*]}" \
         "(Neovim 0.7 or newer) with your package manager." >&2
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo -n"
    else
        echo "install_editor_deps: warning: not root; run 'apt-get install ${PACKAGES[*]}' as root." >&2
        exit 0
    fi
fi

export DEBIAN_FRONTEND=noninteractive
install() { $SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null 2>&1; }
if ! apt-cache show "${PACKAGES[@]}" >/dev/null 2>&1; then
    $SUDO apt-get update -qq
fi
# a stale package list can name a file the mirror no longer has: refresh once and retry
install || { $SUDO apt-get update -qq && install; } || {
    echo "install_editor_deps: warning: 'apt-get install ${PACKAGES[*]}' failed; run it by hand to see why." >&2
    exit 0
}
echo "install_editor_deps: installed ${PACKAGES[*]}"
