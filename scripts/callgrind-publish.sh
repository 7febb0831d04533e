#!/usr/bin/env bash
# Instructions per publish, counted by callgrind (deterministic, unlike time
# on this VM). For each phase the release server runs under valgrind, one
# wss producer publishes N messages (each awaiting its ack), and the server
# stops; a run with no publish (same start-up, connection and stop) is
# subtracted, so the figure is what one publish costs the server: TLS in
# and out, parsing, numbering, storing, the ack.
#
#   scripts/callgrind-publish.sh [BIN] [N]     BIN: a streamd binary (default: the release build), N: 2000
#   CALLGRIND_KEEP=DIR scripts/callgrind-publish.sh ...   also keeps each run's profile in DIR
#
# Phases: signal (kept in memory), order (durable log), and both again with
# an idempotency key per publish (skipped when BIN predates keys); then a
# 2 KB signal without and with a permessage-deflate session connected (the
# broadcaster then compresses each message once as it publishes it).
set -euo pipefail
cd "$(dirname "$0")/.."
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

instructions() {  # CHANNEL KEYED COUNT [PAD [COMPRESSING]] → total instructions of one server run
  rm -rf "$work/streams" "$work/port" "$work"/cg.out*
  valgrind --tool=callgrind --vgdb=no --callgrind-out-file="$work/cg.out" "$work/streamd" serve --loops 1 --port 0 \
    --port-file "$work/port" --cert "$work/certs/server.pem" --key "$work/certs/server.key" \
    --jwt-key "cg:ES256:$work/cg-public.pem" --audit-log "$work/audit.jsonl" --data-dir "$work/streams" --policies policies \
    --log-level warning >"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do [ -s "$work/port" ] && break; sleep 0.1; done
  [ -s "$work/port" ] || { echo "callgrind-publish: server did not start" >&2; cat "$work/server.log" >&2; exit 1; }
  python3 - "$(cat "$work/port")" "$work/certs/ca.pem" "$token" "$1" "$2" "$3" "${4:-0}" "${5:-0}" "$watcher" <<'PY'
import asyncio, json, ssl, sys, websockets
port, ca, token, channel, keyed, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] == "1", int(sys.argv[6])
pad, compressing, watcher = int(sys.argv[7]), sys.argv[8] == "1", sys.argv[9]
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
            await ws.send(f'{{"type":"publish","id":{n},"channel":"{channel}","data":{{"symbol":"EURUSD","n":{n}{filler}}}{key}}}')
            answer = json.loads(await asyncio.wait_for(ws.recv(), 60))
            assert answer["type"] == "ack", answer
        if idle:
            await idle.close()
asyncio.run(main())
PY
  kill -TERM "$pid"; wait "$pid" || true; pid=""
  # CALLGRIND_KEEP=DIR keeps each run's profile for callgrind_annotate.
  if [ -n "${CALLGRIND_KEEP:-}" ]; then mkdir -p "$CALLGRIND_KEEP"; cp "$work/cg.out" "$CALLGRIND_KEEP/$1-$2-$3.out"; fi
  grep -m1 '^summary:' "$work/cg.out" | awk '{print $2}'
}

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
