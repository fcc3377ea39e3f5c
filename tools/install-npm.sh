#!/usr/bin/env bash
# Installs the Node tools of the test suite (tsc, an OpenAPI 3.1 validator,
# kubernetes-models, puppeteer-core)
# into tools/node/node_modules from the committed tools/node/package.json and
# package-lock.json (exact versions). Idempotent: does nothing when the
# installed tree matches the lock file. Reaches only the npm registry.
set -euo pipefail
cd "$(dirname "$0")/node"

if ! command -v npm >/dev/null 2>&1; then
  echo "install-npm: npm not found (install Node.js 18+)" >&2
  exit 1
fi
# npm writes node_modules/.package-lock.json after a successful install; when
# it equals the committed lock file's packages the tree is current.
if [[ -f node_modules/.package-lock.json ]] &&
  node -e '
    const a = require("./package-lock.json").packages;
    const b = require("./node_modules/.package-lock.json").packages;
    delete a[""];
    process.exit(JSON.stringify(a) === JSON.stringify(b) ? 0 : 1);
  ' 2>/dev/null; then
  exit 0
fi
echo "install-npm: installing tools/node" >&2
npm ci --no-audit --no-fund --loglevel=error >/dev/null
