#!/usr/bin/env bash
# The JavaScript clients and the live dashboard, against the real server:
#  1. unit tests of stream-client.js (Node's built-in runner, no npm);
#  2. stream-client.js under Node.js with Debian's node-ws against a real
#     streamd (Tests/Browser/node-live.mjs): Authorization header, a bad
#     token, a restart with no update lost or repeated, epochs (1.1);
#  3. the React hook: `tsc --noEmit --strict` over stream-client.d.ts,
#     use-stream.d.ts and a typed example component (Debian's
#     node-typescript and node-react types), then that example compiled and
#     rendered with Debian's React in headless Chromium against a real
#     streamd, through a server restart (Tests/Browser/react_test.py);
#  4. the dashboard's order ticket (Tests/Browser/trading_test.py): position
#     sizes for EURUSD, USDJPY and XAUUSD against hand-computed values, moving
#     with published ticks, and sized from a selected prepared payload;
#  5. streamd serve --demo serves the page (GET /) over TLS; headless
#     Chromium, driven over the DevTools protocol by
#     Tests/Browser/dashboard_test.py, loads it with a trader token in
#     sessionStorage, and checks prices, order updates, prepared payloads,
#     the CSP header and the console; a screenshot goes to
#     test-artifacts/dashboard.png.
# Installs the Debian packages it needs (scripts/install-deps.sh --test) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/await-port.sh

scripts/install-deps.sh --test   # chromium, node-ws, node-typescript, node-react... when missing

echo "browser: stream-client.js unit tests"
node --test Tests/Browser/

bin="${STREAMD_BIN:-$(swift build --show-bin-path)/streamd}"
[ -x "$bin" ] || swift build --product streamd >/dev/null
export STREAMD_BIN="$bin"

echo "browser: stream-client.js under Node.js (node-ws) against streamd"
node --test Tests/Browser/node-live.mjs

echo "browser: tsc --noEmit --strict over the .d.ts files and the typed example"
tsc -p Tests/Browser/react/tsconfig.json

echo "browser: the useStream example in headless Chromium against streamd"
web="$(mktemp -d)"
tsc -p Tests/Browser/react/tsconfig.json --noEmit false --outDir "$web"
mkdir "$web/streamd"
cp Sources/StreamServer/Dashboard/stream-client.js Sources/StreamServer/Dashboard/use-stream.js "$web/streamd/"
cp Tests/Browser/react/index.html Tests/Browser/react/react-shim.js Tests/Browser/react/react-dom-shim.js "$web/"
cp /usr/share/nodejs/react/umd/react.development.js /usr/share/nodejs/react-dom/umd/react-dom.development.js "$web/"
react_status=0
timeout 180 python3 Tests/Browser/react_test.py "$web" || react_status=$?
rm -rf "$web"
[ "$react_status" -eq 0 ] || { echo "browser: the React test failed"; exit "$react_status"; }

echo "browser: the order ticket's position sizes in headless Chromium against streamd"
timeout 180 python3 Tests/Browser/trading_test.py

echo "browser: the dashboard (serve --demo) in headless Chromium"
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
port="$(await_port "$work/port" "$work/server.log")"
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
