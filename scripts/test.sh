#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need, then typecheck, build, jest.
# System packages: redis-server (Redis and Redis Cluster tests), redis-sentinel (Sentinel failover tests), varnish (HTTP cache tests), chromium and firefox-esr (browser tests), from Debian.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
command -v redis-sentinel >/dev/null 2>&1 || missing+=(redis-sentinel)
[ -x /usr/sbin/varnishd ] || missing+=(varnish)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${missing[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Install them first, e.g.: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# The oldest Node that package.json "engines" allows, for the packed package's smoke test (__tests__/package):
# installed once from the npm registry into .tmp/oldest-node/.
node scripts/oldest-node.mjs >/dev/null

mkdir -p .tmp
results=.tmp/jest-results.json
rm -f "$results"
status=0
npm test -- --json --outputFile="$results" || status=$?
# One plain closing line with the counts, whatever the runner printed above.
if [ -f "$results" ]; then
  node -e 'const r = require(process.argv[1]); console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);' "$PWD/$results"
fi
exit "$status"
