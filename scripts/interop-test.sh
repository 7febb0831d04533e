#!/usr/bin/env bash
# Interoperability and operator commands, against the real binary:
# a third-party client (Python `websockets`, Python's ssl module) completes
# the handshake over TLS 1.3 with a bearer token and exchanges ping/pong and
# close; the operator commands (keys generate, token issue, policy check,
# audit verify) work as documented; SIGTERM exits 0 with the audit chain intact.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${STREAMD_BIN:-$(swift build --show-bin-path)/streamd}"
[ -x "$bin" ] || swift build --product streamd >/dev/null
work="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

"$bin" policy check >/dev/null
"$bin" keys generate --kid interop --dir "$work" >/dev/null
"$bin" serve --port 0 --port-file "$work/port" --cert "$work/certs/server.pem" --key "$work/certs/server.key" \
  --jwt-key "interop:ES256:$work/interop-public.pem" --audit-log "$work/audit.jsonl" \
  --log-format json >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "server did not start:"; cat "$work/server.log"; exit 1; }
port="$(cat "$work/port")"
token="$("$bin" token issue --sub acct-1 --role trader --ttl 10m --key "$work/interop-private.pem" --kid interop)"

python3 Tests/Interop/python_websockets_client.py "$port" "$work/certs/ca.pem" "$token"

# Start-up lines name where it listens, the certificate and the access rules.
for line in '"msg":"streamd listening"' '"msg":"TLS certificate loaded"' '"msg":"access rules loaded"'; do
  grep -q "$line" "$work/server.log" || { echo "missing start-up line $line"; cat "$work/server.log"; exit 1; }
done
if grep -qF "$token" "$work/server.log"; then echo "FAIL: the token reached the server log"; exit 1; fi
kill -TERM "$pid"
wait "$pid" && echo "interop: streamd exited 0 on SIGTERM"
pid=""
"$bin" audit verify --log "$work/audit.jsonl"
if grep -qF "$token" "$work/audit.jsonl"; then echo "FAIL: the token reached the audit log"; exit 1; fi
grep -q '"event":"connect","outcome":"refused"' "$work/audit.jsonl" || { echo "FAIL: the refused connection is not audited"; exit 1; }
echo "interop: operator commands and audit chain ok"

# kill -9 loses no acknowledged order update: publish over HTTPS, kill the
# server without warning, restart it on the same data directory, recover.
start_server() {
  rm -f "$work/port"
  "$bin" serve --port 0 --port-file "$work/port" --cert "$work/certs/server.pem" --key "$work/certs/server.key" \
    --jwt-key "interop:ES256:$work/interop-public.pem" --audit-log "$work/audit2.jsonl" --data-dir "$work/streams" \
    --log-format json >>"$work/server2.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.1; done
  [ -s "$work/port" ] || { echo "server did not start:"; cat "$work/server2.log"; exit 1; }
  port="$(cat "$work/port")"
}
start_server
"$bin" token issue --sub feed --role producer --ttl 10m --key "$work/interop-private.pem" --kid interop >"$work/publisher.token"
for n in 1 2 3 4 5; do
  "$bin" publish --url "https://127.0.0.1:$port" --token-file "$work/publisher.token" --ca "$work/certs/ca.pem" \
    order:acct-1 "{\"order_id\":\"o$n\",\"status\":\"new\"}" >/dev/null
done
kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
start_server
python3 Tests/Interop/python_recovery_client.py "$port" "$work/certs/ca.pem" "$token" 2 5
next="$("$bin" publish --url "https://127.0.0.1:$port" --token-file "$work/publisher.token" --ca "$work/certs/ca.pem" \
  order:acct-1 '{"order_id":"o6","status":"filled"}')"
[ "$next" = "order:acct-1 seq=6" ] || { echo "FAIL: seq after restart: $next"; exit 1; }
kill -TERM "$pid"; wait "$pid"; pid=""
echo "interop: kill -9 recovery ok (seq continues at 6)"
