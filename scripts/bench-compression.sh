#!/usr/bin/env bash
# permessage-deflate measured with `streamd bench` (docs/performance.md,
# "Compression"): fan-out at 1000 subscribers × 20/s with a 2 KB and a
# 100-byte payload, compressed against plain, each twice, alternating; then
# idle memory per connection without and with the extension, each on a
# fresh server. Server pinned to CPU 0 (--loops 1), bench to CPU 1.
#
#   scripts/bench-compression.sh [OUTDIR]     results as JSON files in OUTDIR (default /tmp/streamd-compression)
#
# Uses the harness fixtures (keys, bench policies, tokens): run
# `scripts/harness.sh setup` once first.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in -h|--help) sed -n 2,11p "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
out="${1:-/tmp/streamd-compression}"
bin="$(swift build -c release --show-bin-path)/streamd"
harness="${HARNESS_DIR:-/tmp/streamd-harness}"
fixtures="$harness/streamd-fixtures"
[ -f "$fixtures/sub.token" ] || { echo "bench-compression: run scripts/harness.sh setup first"; exit 1; }
swift build -c release --product streamd >/dev/null
mkdir -p "$out"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true' EXIT
start() {
  rm -rf "$out/streams" "$out/audit.jsonl" "$out/port"
  taskset -c 0 "$bin" serve --loops 1 --port 0 --port-file "$out/port" --no-dev-certs \
    --cert "$harness/certs/server.crt" --key "$harness/certs/server.key" \
    --jwt-key "bench:ES256:$fixtures/bench-public.pem" --policies "$fixtures/policies" \
    --audit-log "$out/audit.jsonl" --data-dir "$out/streams" --log-level warning >"$out/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do [ -s "$out/port" ] && break; sleep 0.1; done
}
bench() {
  taskset -c 1 "$bin" bench "$@" --url "wss://127.0.0.1:$(cat "$out/port")/ws" --ca "$harness/certs/ca.crt" \
    --token-file "$fixtures/sub.token" --publisher-token-file "$fixtures/pub.token" --threads 1 --server-pid "$pid" --json
}
start
for round in 1 2; do
  for bytes in 2000 100; do
    for mode in plain compressed; do
      flag=""; [ "$mode" = compressed ] && flag="--compression"
      echo "fanout, round $round, $bytes-byte payload, $mode" >&2
      bench fanout --subscribers 1000 --rate 20 --duration 10s --payload-bytes "$bytes" $flag >"$out/fanout-$round-$bytes-$mode.json"
    done
  done
done
kill "$pid"; wait "$pid" || true; pid=""
for mode in plain compressed; do
  flag=""; [ "$mode" = compressed ] && flag="--compression"
  start
  echo "idle 5000 connections, $mode" >&2
  bench idle --connections 5000 --duration 5s $flag >"$out/idle-$mode.json"
  kill "$pid"; wait "$pid" || true; pid=""
done
python3 - "$out" <<'PY'
import glob, json, os, sys
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    r = json.load(open(path))
    name = os.path.basename(path)[:-5]
    if r.get("scenario") == "idle":
        print(f"{name:28s} {r.get('server_kib_per_connection')} KiB per connection")
    else:
        print(f"{name:28s} {r.get('tls_bytes_per_msg')} TLS bytes/msg, {r.get('server_cpu_us_per_delivery')} µs/msg, "
              f"p99 {r.get('latency_p99_ms')} ms, ratio {r.get('delivery_ratio')}")
PY
