#!/usr/bin/env bash
# The live dashboard in a real browser:
#  1. unit tests of the JS client (Node's built-in runner, no npm);
#  2. streamd serve --demo serves the page (GET /) over TLS; headless
#     Chromium, driven over the DevTools protocol by
#     Tests/Browser/dashboard_test.py, loads it with a trader token in
#     sessionStorage, and checks prices, order updates, prepared payloads,
#     the CSP header and the console; a screenshot goes to
#     test-artifacts/dashboard.png.
# Installs Debian's chromium with apt-get when it is missing (needs root).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  echo "browser: installing chromium (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if ! command -v node >/dev/null 2>&1; then
  echo "browser: installing nodejs (apt-get) for the JS client's unit tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs >/dev/null
fi
node --test Tests/Browser/

bin="${STREAMD_BIN:-$(swift build --show-bin-path)/streamd}"
[ -x "$bin" ] || swift build --product streamd >/dev/null
work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" keys generate --kid dash --dir "$work" >/dev/null
"$bin" serve --demo --port 0 --port-file "$work/port" \
  --cert "$work/certs/server.pem" --key "$work/certs/server.key" --ca "$work/certs/ca.pem" \
  --jwt-key "dash:ES256:$work/dash-public.pem" --audit-log "$work/audit.jsonl" \
  --data-dir "$work/streams" --log-format json >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "browser: server did not start:"; cat "$work/server.log"; exit 1; }
port="$(cat "$work/port")"
token="$("$bin" token issue --sub demo-1 --role trader --ttl 30m --key "$work/dash-private.pem" --kid dash)"
# A producer token, for the XSS probe (an idea whose fields hold markup).
DASH_PUBLISHER_TOKEN="$("$bin" token issue --sub feed --role producer --ttl 30m --key "$work/dash-private.pem" --kid dash)"
export DASH_PUBLISHER_TOKEN

mkdir -p test-artifacts
status=0
timeout 180 python3 Tests/Browser/dashboard_test.py "$port" "$work/certs/ca.pem" "$token" test-artifacts/dashboard.png || status=$?

if grep -qF "$token" "$work/server.log" "$work/audit.jsonl"; then
  echo "FAIL: the token reached the server or audit log"
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "browser: server log (last 40 lines):"
  tail -n 40 "$work/server.log"
fi
kill -TERM "$pid"
wait "$pid" || { echo "browser: streamd did not exit cleanly"; status=1; }
pid=""
exit "$status"
