#!/usr/bin/env bash
# The unit and integration tests under a sanitizer, in their own build
# folder (.build-thread or .build-address, ignored by git).
#
#   scripts/sanitize.sh thread|address [--interop]
#
# Exits non-zero on a failing test or on any sanitizer report. Reports go to
# .build-<kind>/reports/ (one file per process), and are printed. The Redis
# tests run too (STREAMD_REQUIRE_REDIS=1; redis-server from
# scripts/install-deps.sh --test). --interop also runs scripts/interop-test.sh
# and scripts/cluster-test.sh with the sanitized streamd binary.
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-}"
case "$kind" in
  thread|address) ;;
  -h|--help) sed -n 2,11p "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: scripts/sanitize.sh thread|address [--interop]"; exit 2 ;;
esac
interop=false
[ "${2:-}" = "--interop" ] && interop=true
scratch=".build-$kind"
reports="$PWD/$scratch/reports"
rm -rf "$reports"; mkdir -p "$reports"
echo "==> swift build --sanitize=$kind (into $scratch)"
started=$(date +%s)
if ! swift build --build-tests --sanitize="$kind" --scratch-path "$scratch" >"$scratch/build.log" 2>&1; then
  grep -E "error" "$scratch/build.log" | head -20; echo "build failed (log: $scratch/build.log)"; exit 1
fi
echo "    built in $(( $(date +%s) - started )) s"
# halt_on_error=0: every report is collected, then counted below.
export TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 log_path=$reports/tsan"
export ASAN_OPTIONS="halt_on_error=0 detect_leaks=0 log_path=$reports/asan"
status=0
echo "==> swift test --sanitize=$kind"
started=$(date +%s)
STREAMD_REQUIRE_REDIS=1 swift test --skip-build --sanitize="$kind" --scratch-path "$scratch" >"$scratch/test.log" 2>&1 || status=$?
grep -E "Executed [0-9]+ tests|error:" "$scratch/test.log" | tail -5
echo "    tests ran in $(( $(date +%s) - started )) s (exit $status)"
if $interop; then
  export STREAMD_BIN="$PWD/$scratch/debug/streamd"
  scripts/interop-test.sh || status=$?
  scripts/cluster-test.sh || status=$?
fi
count=$(cat "$reports"/* 2>/dev/null | grep -c "^WARNING: \|^==[0-9]*==ERROR: " || true)
if [ "$count" -gt 0 ]; then
  echo "==> $count sanitizer report(s):"
  cat "$reports"/* | head -200
  exit 1
fi
[ "$status" -eq 0 ] || { echo "tests failed under --sanitize=$kind (log: $scratch/test.log)"; exit "$status"; }
echo "==> no sanitizer reports"
