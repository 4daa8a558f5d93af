#!/usr/bin/env bash
# Build, test and package the VS Code extension.
#
#   editor-client/build.sh        # npm ci, compile, unit tests, error-tutor-<version>.vsix
#
# Needs Node.js 20+ and npm, and the npm registry for `npm ci` (packages are then cached).
# When the repository's .venv exists, server-settings.json is first rewritten from the
# server's settings_schema(), so the unit tests compare package.json with the server as it is.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=../.venv/bin/python
if [ -x "$PYTHON" ]; then
    "$PYTHON" scripts/dump_settings.py
fi

npm ci --no-audit --no-fund --loglevel=error
npm run compile
npm test
npm run package
ls -l ./*.vsix
