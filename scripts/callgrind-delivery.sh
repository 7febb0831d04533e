#!/usr/bin/env bash
# Instructions per delivered message, counted by callgrind (deterministic,
# unlike CPU % on this VM): the release server runs under valgrind while
# `streamd bench fanout` holds S subscribers on one tick channel and
# publishes R msgs/s. Once every subscriber is up and the load has settled,
# the counters are zeroed; after the measured time they are dumped, and the
# whole process's instructions are divided by the messages the server
# delivered meanwhile (streamd_messages_out_total{type="tick"} in GET /metrics).
#
#   scripts/callgrind-delivery.sh [BIN] [SUBSCRIBERS] [RATE] [SECONDS]
#       BIN: a streamd binary (default: the release build); 100 subscribers, 10 msgs/s, 30 s
#   CALLGRIND_KEEP=DIR scripts/callgrind-delivery.sh ...   also keeps the profile in DIR
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/await-port.sh
case "${1:-}" in -h|--help) sed -n 2,13p "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
bin="${1:-$(swift build -c release --show-bin-path)/streamd}"
subscribers="${2:-100}"
rate="${3:-10}"
seconds="${4:-30}"
command -v valgrind >/dev/null || { echo "callgrind-delivery: needs valgrind (apt-get install valgrind)"; exit 1; }
work="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT
"$bin" keys generate --kid cg --dir "$work" >/dev/null
# valgrind 3.19 cannot read the DWARF Swift 6 writes; symbols are enough for counts.
objcopy --strip-debug "$bin" "$work/streamd"
issue() { "$bin" token issue --sub "$1" --role "$2" --ttl 1h --policies policies-bench --key "$work/cg-private.pem" --kid cg; }
issue bench-sub bench-subscriber >"$work/sub.token"
issue bench-pub bench-publisher >"$work/pub.token"

valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$work/streamd" serve --loops 1 --port 0 \
  --port-file "$work/port" --cert "$work/certs/server.pem" --key "$work/certs/server.key" \
  --jwt-key "cg:ES256:$work/cg-public.pem" --audit-log "$work/audit.jsonl" --data-dir "$work/streams" \
  --policies policies-bench --log-level warning >"$work/server.log" 2>&1 &
server=$!; pids+=("$server")
port="$(await_port "$work/port" "$work/server.log" 60)"
metric() {  # the server's count of ticks delivered
  curl -sf --cacert "$work/certs/ca.pem" "https://127.0.0.1:$port/metrics" \
    | awk '/^streamd_messages_out_total\{.*type="tick"/ {print $2}'
}
sessions() { curl -sf --cacert "$work/certs/ca.pem" "https://127.0.0.1:$port/metrics" | awk '/^streamd_sessions / {print $2}'; }

"$bin" bench fanout --url "wss://127.0.0.1:$port/ws" --ca "$work/certs/ca.pem" --token-file "$work/sub.token" \
  --publisher-token-file "$work/pub.token" --subscribers "$subscribers" --rate "$rate" --threads 1 \
  --warmup 600s --duration 1s --no-metrics >"$work/bench.log" 2>&1 &
pids+=("$!")
for _ in $(seq 1 600); do [ "$(sessions || echo 0)" -gt "$subscribers" ] 2>/dev/null && break; sleep 1; done
[ "$(sessions || echo 0)" -gt "$subscribers" ] || { echo "callgrind-delivery: subscribers did not connect" >&2; cat "$work/bench.log" >&2; exit 1; }
sleep 10  # the load settles
before="$(metric)"
callgrind_control -z "$server" >/dev/null 2>&1
sleep "$seconds"
callgrind_control -d "$server" >/dev/null 2>&1
after="$(metric)"
dump="$(ls "$work"/cg.out.* | head -1)"
total="$(grep -m1 '^summary:' "$dump" | awk '{print $2}')"
if [ -n "${CALLGRIND_KEEP:-}" ]; then mkdir -p "$CALLGRIND_KEEP"; cp "$dump" "$CALLGRIND_KEEP/delivery-$subscribers-$rate.out"; fi
delivered=$(awk -v a="$after" -v b="$before" 'BEGIN {printf "%d", a - b}')
[ "$delivered" -gt 0 ] || { echo "callgrind-delivery: nothing delivered while measuring" >&2; exit 1; }
printf '%d subscribers x %d msgs/s, %d s: %d delivered, %d instructions, %d instructions per delivered message\n' \
  "$subscribers" "$rate" "$seconds" "$delivered" "$total" "$((total / delivered))"
