#!/usr/bin/env bash
# Instructions per publish, counted by callgrind (deterministic, unlike time
# on this VM). For each phase the release server runs under valgrind, one
# wss producer publishes N messages (each awaiting its ack), and the server
# stops; a run with no publish (same start-up, connection and stop) is
# subtracted, so the figure is what one publish costs the server: TLS in
# and out, parsing, numbering, storing, the ack.
#
# First, the same for the other client operations through the general JSON
# path: N pings (each awaiting its pong) and N subscribes to one granted
# channel (each awaiting `subscribed`, so each also writes its audit line).
#
#   scripts/callgrind-publish.sh [BIN] [N]     BIN: a streamd binary (default: the release build), N: 2000
#   CALLGRIND_KEEP=DIR scripts/callgrind-publish.sh ...   also keeps each run's profile in DIR
#   CALLGRIND_OPERATIONS_ONLY=1 scripts/callgrind-publish.sh ...   ping and subscribe only
#
# Phases: ping, subscribe; then publish: signal (kept in memory), order (durable log), and both again with
# an idempotency key per publish (skipped when BIN predates keys); then a
# 2 KB signal without and with a permessage-deflate session connected (the
# broadcaster then compresses each message once as it publishes it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/await-port.sh
bin="${1:-$(swift build -c release --show-bin-path)/streamd}"
count="${2:-2000}"
command -v valgrind >/dev/null || { echo "callgrind-publish: needs valgrind (apt-get install valgrind)"; exit 1; }
work="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
"$bin" keys generate --kid cg --dir "$work" >/dev/null
# valgrind 3.19 cannot read the DWARF Swift 6 writes; symbols are enough for counts.
objcopy --strip-debug "$bin" "$work/streamd"
token="$("$bin" token issue --sub feed --role producer --ttl 1h --policies policies --key "$work/cg-private.pem" --kid cg)"
watcher="$("$bin" token issue --sub acct-1 --role trader --ttl 1h --policies policies --key "$work/cg-private.pem" --kid cg)"
# Producer's rate limit (1000/s) with ops's subscribe rights, for the ping and subscribe phases.
operator="$("$bin" token issue --sub feed --role producer --role ops --ttl 1h --policies policies --key "$work/cg-private.pem" --kid cg)"

instructions() {  # CHANNEL KEYED COUNT [PAD [COMPRESSING [OPERATION]]] → total instructions of one server run
  # OPERATION: publish (default), ping or subscribe (to CHANNEL).
  rm -rf "$work/streams" "$work/port" "$work"/cg.out*
  valgrind --tool=callgrind --vgdb=no --callgrind-out-file="$work/cg.out" "$work/streamd" serve --loops 1 --port 0 \
    --port-file "$work/port" --cert "$work/certs/server.pem" --key "$work/certs/server.key" \
    --jwt-key "cg:ES256:$work/cg-public.pem" --audit-log "$work/audit.jsonl" --data-dir "$work/streams" --policies policies \
    --log-level warning >"$work/server.log" 2>&1 &
  pid=$!
  await_port "$work/port" "$work/server.log" 60 >/dev/null
  local operation="${6:-publish}" client="$token"
  [ "$operation" = publish ] || client="$operator"
  python3 - "$(cat "$work/port")" "$work/certs/ca.pem" "$client" "$1" "$2" "$3" "${4:-0}" "${5:-0}" "$watcher" "$operation" <<'PY'
import asyncio, json, ssl, sys, websockets
port, ca, token, channel, keyed, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] == "1", int(sys.argv[6])
pad, compressing, watcher, operation = int(sys.argv[7]), sys.argv[8] == "1", sys.argv[9], sys.argv[10]
replies = {"ping": "pong", "subscribe": "subscribed", "publish": "ack"}
async def main():
    ctx = ssl.create_default_context(cafile=ca)
    # A producer that does not compress (its own frames stay out of the count).
    async with websockets.connect(f"wss://127.0.0.1:{port}/ws", ssl=ctx, open_timeout=60, close_timeout=30, compression=None,
                                  additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        await asyncio.wait_for(ws.recv(), 60)
        idle = None
        if compressing:  # a session that agreed on permessage-deflate, subscribed to nothing
            idle = await websockets.connect(f"wss://127.0.0.1:{port}/ws", ssl=ctx, open_timeout=60,
                                            additional_headers={"Authorization": f"Bearer {watcher}"})
            await asyncio.wait_for(idle.recv(), 60)
        filler = ',"notes":"' + ("momentum building on the hourly; " * (pad // 33 + 1))[:pad] + '"' if pad else ""
        for n in range(count):
            key = f',"idempotency_key":"k-{channel}-{n}"' if keyed else ""
            if operation == "ping":
                await ws.send(f'{{"type":"ping","id":{n}}}')
            elif operation == "subscribe":
                await ws.send(f'{{"type":"subscribe","id":{n},"channels":["{channel}"]}}')
            else:
                await ws.send(f'{{"type":"publish","id":{n},"channel":"{channel}","data":{{"symbol":"EURUSD","n":{n}{filler}}}{key}}}')
            answer = json.loads(await asyncio.wait_for(ws.recv(), 60))
            assert answer["type"] == replies[operation], answer
            if operation == "subscribe":
                assert answer["data"]["channels"] == [channel], answer
        if idle:
            await idle.close()
asyncio.run(main())
PY
  kill -TERM "$pid"; wait "$pid" || true; pid=""
  # CALLGRIND_KEEP=DIR keeps each run's profile for callgrind_annotate.
  if [ -n "${CALLGRIND_KEEP:-}" ]; then mkdir -p "$CALLGRIND_KEEP"; cp "$work/cg.out" "$CALLGRIND_KEEP/${6:-publish}-$1-$2-$3.out"; fi
  grep -m1 '^summary:' "$work/cg.out" | awk '{print $2}'
}

operation() {  # NAME OPERATION [CHANNEL]: against a run of the same client sending nothing
  local idle total
  idle="$(instructions signal:EURUSD 0 0 0 0 "$2")"
  total="$(instructions "${3:-signal:EURUSD}" 0 "$count" 0 0 "$2")"
  printf '%-34s %9d instructions per %s\n' "$1" "$(((total - idle) / count))" "$2"
}
operation "ping" ping
operation "subscribe (granted, audited)" subscribe signal:EURUSD
[ "${CALLGRIND_OPERATIONS_ONLY:-0}" = 1 ] && exit 0

base="$(instructions signal:EURUSD 0 0)"
phase() {  # NAME CHANNEL KEYED [PAD [COMPRESSING]]
  local total; total="$(instructions "$2" "$3" "$count" "${4:-0}" "${5:-0}")"
  printf '%-34s %9d instructions per publish\n' "$1" "$(((total - base) / count))"
}
phase "signal, no key" signal:EURUSD 0
phase "order, no key" order:acct-1 0
if "$bin" publish --help 2>&1 | grep -q idempotency; then
  phase "signal, idempotency key" signal:GBPUSD 1
  phase "order, idempotency key" order:acct-2 1
else
  echo "(this binary has no idempotency keys: keyed phases skipped)"
fi
if "$bin" serve --help 2>&1 | grep -q no-compression; then
  base="$(instructions signal:EURUSD 0 0 0 1)"
  phase "signal 2 KB, no deflate session" signal:EURUSD 0 2000 0
  phase "signal 2 KB, a deflate session" signal:EURUSD 0 2000 1
  phase "tick-sized, a deflate session" tick:EURUSD 0 0 1
fi
