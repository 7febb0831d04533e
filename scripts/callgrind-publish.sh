#!/usr/bin/env bash
# Instructions per publish, counted by callgrind (deterministic, unlike time
# on this VM): the release server under valgrind, one wss producer publishing
# N messages per phase, each awaiting its ack; the counters are zeroed before
# and dumped after each phase.
#
#   scripts/callgrind-publish.sh [BIN] [N]     BIN: a streamd binary (default: the release build), N: 2000
#
# Phases: signal (in memory), order (durable log), and both again with an
# idempotency key per publish (skipped, with a note, when BIN predates keys).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-$(swift build -c release --show-bin-path)/streamd}"
count="${2:-2000}"
command -v valgrind >/dev/null || { echo "callgrind-publish: needs valgrind (apt-get install valgrind)"; exit 1; }
work="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
"$bin" keys generate --kid cg --dir "$work" >/dev/null
valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$bin" serve --loops 1 --port 0 --port-file "$work/port" \
  --cert "$work/certs/server.pem" --key "$work/certs/server.key" --jwt-key "cg:ES256:$work/cg-public.pem" \
  --audit-log "$work/audit.jsonl" --data-dir "$work/streams" --log-level warning >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "callgrind-publish: server did not start"; cat "$work/server.log"; exit 1; }
token="$("$bin" token issue --sub feed --role producer --ttl 1h --key "$work/cg-private.pem" --kid cg)"
phase() {  # NAME CHANNEL KEYED
  callgrind_control -z "$pid" >/dev/null
  python3 - "$(cat "$work/port")" "$work/certs/ca.pem" "$token" "$2" "$3" "$count" <<'PY'
import asyncio, json, ssl, sys, websockets
port, ca, token, channel, keyed, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] == "1", int(sys.argv[6])
async def main():
    ctx = ssl.create_default_context(cafile=ca)
    async with websockets.connect(f"wss://127.0.0.1:{port}/ws", ssl=ctx, open_timeout=60,
                                  additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        await ws.recv()
        for n in range(count):
            key = f',"idempotency_key":"k-{channel}-{n}"' if keyed else ""
            await ws.send(f'{{"type":"publish","id":{n},"channel":"{channel}","data":{{"symbol":"EURUSD","n":{n}}}{key}}}')
            answer = json.loads(await ws.recv())
            assert answer["type"] == "ack", answer
asyncio.run(main())
PY
  callgrind_control -d "$1" "$pid" >/dev/null
  local file; file="$(ls -t "$work"/cg.out.* | head -1)"
  local total; total="$(grep -m1 '^summary:' "$file" | awk '{print $2}')"
  printf '%-28s %12s instructions in all, %8d per publish\n' "$1" "$total" "$((total / count))"
}
phase "signal, no key" signal:EURUSD 0
phase "order, no key" order:acct-1 0
if "$bin" publish --help 2>&1 | grep -q idempotency; then
  phase "signal, idempotency key" signal:GBPUSD 1
  phase "order, idempotency key" order:acct-2 1
else
  echo "(this binary has no idempotency keys: keyed phases skipped)"
fi
