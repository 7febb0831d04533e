#!/usr/bin/env bash
# Interoperability and operator commands, against the real binary:
# a third-party client (Python `websockets`, Python's ssl module) completes
# the handshake over TLS 1.3 with a bearer token and exchanges ping/pong and
# close; the operator commands (keys generate, token issue, policy check,
# audit verify) work as documented; SIGTERM exits 0 with the audit chain intact.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/await-port.sh
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
port="$(await_port "$work/port" "$work/server.log")"
token="$("$bin" token issue --sub acct-1 --role trader --ttl 10m --key "$work/interop-private.pem" --kid interop)"

# With a producer token it also checks permessage-deflate (on by default in websockets), both ways.
producer_token="$("$bin" token issue --sub feed --role producer --ttl 10m --key "$work/interop-private.pem" --kid interop)"
python3 Tests/Interop/python_websockets_client.py "$port" "$work/certs/ca.pem" "$token" "$producer_token"

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
  port="$(await_port "$work/port" "$work/server2.log")"
}
start_server
"$bin" token issue --sub feed --role producer --ttl 10m --key "$work/interop-private.pem" --kid interop >"$work/publisher.token"
scenario() { python3 Tests/Interop/python_recovery_scenarios.py "$1" "$port" "$work/certs/ca.pem" "$(cat "$work/publisher.token")" "$token" "$work/recovery.json" "${@:2}"; }
scenario before-kill
kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
start_server
# A client that still sends a bare integer (legacy `since`) recovers too.
python3 Tests/Interop/python_recovery_client.py "$port" "$work/certs/ca.pem" "$token" 2 5
scenario after-kill
next="$("$bin" publish --url "https://127.0.0.1:$port" --token-file "$work/publisher.token" --ca "$work/certs/ca.pem" \
  order:acct-1 '{"order_id":"o7","status":"filled"}')"
case "$next" in "order:acct-1 seq=7"*) ;; *) echo "FAIL: seq after restart: $next"; exit 1 ;; esac
python3 -c 'import json,sys; p=sys.argv[1]; s=json.load(open(p)); s["last"]=7; json.dump(s,open(p,"w"))' "$work/recovery.json"
echo "interop: kill -9 recovery ok (same epoch, seq continues at 6, keys survive)"

# Deep replay from the durable log: 100,000 order updates, kill -9, then one
# slow reader with a 4 KiB receive buffer replays them all from disk.
scenario fill 100000
kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
restart_started=$(date +%s%N)
start_server
echo "interop: restart over $(du -sh "$work/streams" | cut -f1) of durable log took $(( ($(date +%s%N) - restart_started) / 1000000 )) ms"
scenario deep-replay "$pid"
kill -TERM "$pid"; wait "$pid"; pid=""
