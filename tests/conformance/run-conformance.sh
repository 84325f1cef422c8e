#!/usr/bin/env bash
# Runs Slack's official Node SDK (pinned in package.json / package-lock.json) against
# threadline-sandbox. Usage: run-conformance.sh <threadline-sandbox binary> <source dir> <work dir>
# node_modules live in the work dir (the build tree), never in the source tree.
set -euo pipefail
bin=$(readlink -f "$1")
src=$(readlink -f "$2")
work=$3
mkdir -p "$work"
work=$(readlink -f "$work")

cp "$src/package.json" "$src/package-lock.json" "$src"/*.mjs "$work/"
stamp="$work/node_modules/.threadline-lock.sha256"
want=$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)
if [ ! -d "$work/node_modules" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
fi

cd "$work"
export SANDBOX_BIN="$bin"
# Each test file starts its own sandbox process on a free port and stops it afterwards.
exec node --test ./*.test.mjs
