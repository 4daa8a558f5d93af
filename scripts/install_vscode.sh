#!/usr/bin/env bash
# Install what tests/test_vscode.py needs to run the extension in a real VS Code: VS Code 1.99.3
# as code-server 4.99.4 (npm), Debian's headless Chromium, and playwright-core to drive it
# (playwright-core never downloads a browser; it launches /usr/bin/chromium).
#
#   scripts/install_vscode.sh           # what `make setup` runs; idempotent (seconds when done)
#   scripts/install_vscode.sh --print   # print the folder it installs into
#
# Everything npm installs goes into one cached folder, never into the checkout:
#   ${ERROR_TUTOR_VSCODE_DIR:-${XDG_CACHE_HOME:-~/.cache}/error-tutor/vscode-e2e}
# with STAMP written last, naming the versions. A STAMP that names these versions means done.
# Debian's packages (chromium, ripgrep, and libkrb5-dev to build code-server's kerberos module)
# come from apt-get, as in install_editor_deps.sh.
#
# code-server 4.99.4 is the newest that runs on Node.js 20 (4.104 and newer need Node.js 22).
# Its npm postinstall downloads ripgrep and VS Code's built-in extensions' dependencies, which
# fails without the internet beyond the npm registry, so the steps of that postinstall are done
# here by hand: install with --ignore-scripts, rebuild the native modules against Node's own
# headers (/usr/include/node), and use Debian's rg.
#
# When apt-get or npm is missing, or a step fails, it says why and exits 0, so `make setup`
# goes on; tests/test_vscode.py then skips with that reason.
set -euo pipefail

CODE_SERVER_VERSION=4.99.4
PLAYWRIGHT_CORE_VERSION=1.65.1
DIR="${ERROR_TUTOR_VSCODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/error-tutor/vscode-e2e}"
WANT="code-server@$CODE_SERVER_VERSION playwright-core@$PLAYWRIGHT_CORE_VERSION node@$(node --version 2>/dev/null || echo none)"

if [ "${1:-}" = "--print" ]; then
    echo "$DIR"
    exit 0
elif [ $# -gt 0 ]; then
    echo "usage: $0 [--print]" >&2
    exit 2
fi

say() { echo "install_vscode: $*" >&2; }
give_up() { say "warning: $*; the real-VS-Code test (tests/test_vscode.py) will skip."; exit 0; }

# --- Debian packages -------------------------------------------------------------------------
PACKAGES=()
[ -x /usr/bin/chromium ] || PACKAGES+=(chromium)
command -v rg >/dev/null 2>&1 || PACKAGES+=(ripgrep)
[ -e /usr/include/krb5.h ] || [ -e /usr/include/gssapi/gssapi.h ] || PACKAGES+=(libkrb5-dev)
if [ ${#PACKAGES[@]} -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || give_up "apt-get is not available; install ${PACKAGES[*]} with your package manager"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || give_up "not root; run 'apt-get install ${PACKAGES[*]}' as root"
        SUDO="sudo -n"
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt_install() { $SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null 2>&1; }
    if ! apt-cache show "${PACKAGES[@]}" >/dev/null 2>&1; then
        $SUDO apt-get update -qq || true
    fi
    apt_install || { $SUDO apt-get update -qq && apt_install; } \
        || give_up "'apt-get install ${PACKAGES[*]}' failed; run it by hand to see why"
    say "installed ${PACKAGES[*]}"
fi

# --- npm packages, cached ----------------------------------------------------------------------
if [ -f "$DIR/STAMP" ] && [ "$(cat "$DIR/STAMP")" = "$WANT" ] && [ -x "$DIR/node_modules/.bin/code-server" ]; then
    exit 0
fi
command -v npm >/dev/null 2>&1 || give_up "npm is not installed (apt-get install npm)"
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
[ "$NODE_MAJOR" -ge 20 ] || give_up "code-server $CODE_SERVER_VERSION needs Node.js 20, found $(node --version)"
NODEDIR=/usr
[ -f "$NODEDIR/include/node/node.h" ] || NODEDIR="$(dirname "$(dirname "$(command -v node)")")"
[ -f "$NODEDIR/include/node/node.h" ] || give_up "Node.js's headers (include/node/node.h) are missing (apt-get install libnode-dev)"

say "installing code-server $CODE_SERVER_VERSION and playwright-core $PLAYWRIGHT_CORE_VERSION into $DIR (about a minute)"
started=$SECONDS
rm -rf "$DIR"
mkdir -p "$DIR"
LOG="$DIR/install.log"
# npm_config_yes: node-pty's install script runs `npx node-gyp`, which otherwise asks for confirmation and gives up
export npm_config_nodedir="$NODEDIR" npm_config_yes=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
run() { "$@" >>"$LOG" 2>&1 || { tail -20 "$LOG" >&2; give_up "'$*' failed (log: $LOG)"; }; }
cd "$DIR"
echo '{"name": "error-tutor-vscode-e2e", "private": true}' > package.json
run npm install --no-save --ignore-scripts --loglevel=error \
    "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_CORE_VERSION"
run npm rebuild argon2
cd node_modules/code-server/lib/vscode
run npm install --omit=dev --ignore-scripts --loglevel=error
run npm rebuild @parcel/watcher @vscode/deviceid @vscode/spdlog kerberos native-watchdog node-pty
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
ln -sfn node_modules node_modules.asar
cd extensions  # not in a subshell: give_up must end the script
run npm install --omit=dev --loglevel=error
cd "$DIR"
XDG_CONFIG_HOME="$DIR/.config" run node_modules/.bin/code-server --version  # it would write ~/.config/code-server
echo "$WANT" > STAMP
say "done in $((SECONDS - started)) s: $(du -sh "$DIR" | cut -f1) in $DIR"
