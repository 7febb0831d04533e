#!/usr/bin/env bash
# Installs missing system packages, builds streamd (release) and runs the server.
# Dev certificates are created in certs/ on first start. Extra arguments go to `streamd serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "==> building streamd (release)"
mkdir -p .build
if ! swift build -c release --product streamd >.build/release-build.log 2>&1; then
  grep -E 'error' .build/release-build.log | head -40 || tail -40 .build/release-build.log
  echo "build failed (full log: .build/release-build.log)"; exit 1
fi
bin="$(swift build -c release --show-bin-path)/streamd"
[ -x "$bin" ] || { echo "error: build failed"; exit 1; }
echo "==> starting: streamd serve $*"
exec "$bin" serve "$@"
