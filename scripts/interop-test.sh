#!/usr/bin/env bash
# Interoperability: a third-party client (Python `websockets`, Python's ssl
# module) completes the handshake with streamd over TLS 1.3 and exchanges
# ping/pong and close. Starts the real binary on an ephemeral loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(swift build --show-bin-path)/streamd"
[ -x "$bin" ] || swift build --product streamd >/dev/null
work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" serve --port 0 --port-file "$work/port" --cert "$work/certs/server.pem" --key "$work/certs/server.key" \
  --log-format json >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "server did not start:"; cat "$work/server.log"; exit 1; }
port="$(cat "$work/port")"
python3 Tests/Interop/python_websockets_client.py "$port" "$work/certs/ca.pem"
# The server logged where it listens and which certificate it loaded.
grep -q '"msg":"streamd listening"' "$work/server.log" || { echo "missing start-up line"; cat "$work/server.log"; exit 1; }
kill -TERM "$pid"
wait "$pid" && echo "interop: streamd exited 0 on SIGTERM"
