#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every test: unit and
# integration tests (swift test), then the third-party client interop test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
echo "==> swift build"
mkdir -p .build
if ! swift build --build-tests >.build/test-build.log 2>&1; then
  grep -E 'error|warning: unre' .build/test-build.log | head -40 || tail -40 .build/test-build.log
  echo "build failed (full log: .build/test-build.log)"; exit 1
fi
echo "==> swift test"
set +e
STREAMD_REQUIRE_REDIS=1 swift test --skip-build 2>&1 | tee .build/swift-test.log | grep -vE "^Test Case .*(started|passed)"
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || { echo "swift test failed ($status); full log: .build/swift-test.log"; exit "$status"; }
echo "==> interop test (Python websockets over TLS 1.3, operator commands, kill -9 recovery)"
scripts/interop-test.sh
echo "==> cluster: two instances behind a real redis-server, kill -9 of one"
scripts/cluster-test.sh
echo "==> dashboard in a real browser (headless Chromium) and the JS client's unit tests"
scripts/browser-test.sh
scripts/python-client-test.sh
echo "==> HTTPS API against docs/openapi.yaml (schemathesis, valid and bad tokens)"; scripts/api-fuzz.sh
echo "==> soak: 1,000 churning connections for 30 s, RSS and descriptors judged"; scripts/soak.sh 30
echo "==> the unit and integration tests again under ThreadSanitizer"
scripts/sanitize.sh thread
echo "==> fuzz smoke: every libFuzzer target over its seed corpus for a few seconds"
scripts/fuzz.sh "${STREAMD_FUZZ_SECONDS:-10}"
