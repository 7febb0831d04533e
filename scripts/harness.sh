#!/usr/bin/env bash
# streamd beside its peers in the shared wss benchmark harness (../shared/bench).
#
#   scripts/harness.sh setup                  copy the harness to $HARNESS_DIR, set it up, add streamd
#   scripts/harness.sh run SERVER SCENARIO .. one harness run (e.g. streamd fanout -subs 1000 -rate 20)
#   scripts/harness.sh matrix [SERVER...]     the table of docs/performance.md, every server in turn
#   scripts/harness.sh table [FILE]           that table, as markdown, from a results file
#
# The harness pins the server to CPU 0 and its load generator to CPU 1. It is
# not committed here (it belongs to ../shared); this script copies it, adds
# servers/streamd.sh (streamd with its own ES256 key, the policies-bench/
# policies and real tokens) and passes `-wait-first` for streamd only, whose
# first message after the upgrade is `welcome`.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
source_dir="${HARNESS_SRC:-$root/../shared/bench}"
work="${HARNESS_DIR:-/tmp/streamd-harness}"
results="${RESULTS:-$work/results/streamd-matrix.jsonl}"
fixtures="$work/streamd-fixtures"
all_servers=(streamd libwebsockets node-ws hummingbird python-websockets python-websockets-uvloop)

setup() {
  if [ ! -d "$work" ]; then
    [ -d "$source_dir" ] || { echo "harness: no harness at $source_dir (set HARNESS_SRC)"; exit 1; }
    cp -r "$source_dir" "$work"
  fi
  if [ ! -x "$work/loadgen/loadgen" ]; then
    echo "==> harness set-up (apt packages, load generator, peers; the Swift peer takes minutes)"
    (cd "$work" && ./setup.sh)
  fi
  scripts/install-deps.sh
  echo "==> building streamd (release)"
  swift build -c release --product streamd >/dev/null
  local bin; bin="$(swift build -c release --show-bin-path)/streamd"
  mkdir -p "$fixtures"
  if [ ! -f "$fixtures/bench-public.pem" ]; then
    "$bin" keys generate --kid bench --dir "$fixtures" >/dev/null
  fi
  rm -rf "$fixtures/policies" && cp -r policies-bench "$fixtures/policies"
  "$bin" token issue --sub bench --role bench-subscriber --ttl 24h --policies "$fixtures/policies" \
    --key "$fixtures/bench-private.pem" --kid bench >"$fixtures/sub.token"
  "$bin" token issue --sub bench-feed --role bench-publisher --ttl 24h --policies "$fixtures/policies" \
    --key "$fixtures/bench-private.pem" --kid bench >"$fixtures/pub.token"
  cat >"$work/servers/streamd.sh" <<EOF
#!/usr/bin/env bash
# streamd under the harness (written by streamd's scripts/harness.sh).
f="$fixtures"
rm -rf "\$f/streams" "\$f/audit.jsonl"
exec "$bin" serve --port "\$1" --cert "\$2" --key "\$3" --no-dev-certs \\
  --jwt-key "bench:ES256:\$f/bench-public.pem" --policies "\$f/policies" --audit-log "\$f/audit.jsonl" \\
  --data-dir "\$f/streams" --log-level warning \${STREAMD_ARGS:-}
EOF
  chmod +x "$work/servers/streamd.sh"
  echo "harness ready in $work (streamd: $bin)"
}

run() {
  local server="$1"; shift
  [ -x "$work/servers/streamd.sh" ] || setup >&2
  local extra=""
  [ "$server" = streamd ] && extra="-wait-first"
  SUB_TOKEN_FILE="$fixtures/sub.token" PUB_TOKEN_FILE="$fixtures/pub.token" LOADGEN_EXTRA="$extra" \
    RESULTS="$results" timeout 900 "$work/run.sh" "$server" "$@"
}

matrix() {
  local servers=("$@")
  ((${#servers[@]})) || servers=("${all_servers[@]}")
  setup
  export RUN_TAG="${RUN_TAG:-matrix-$(date -u +%Y%m%dT%H%M)}"
  echo "==> results go to $results (tag $RUN_TAG)"
  # Scenario by scenario, every server in turn, so that all servers' runs of
  # one scenario are minutes apart (this VM's speed drifts).
  for s in "${servers[@]}"; do echo "=== $s fanout S=1000 R=20" >&2; run "$s" fanout -subs 1000 -rate 20 -duration 10s >/dev/null || true; done
  for s in "${servers[@]}"; do echo "=== $s fanout S=100 R=500" >&2; run "$s" fanout -subs 100 -rate 500 -duration 10s >/dev/null || true; done
  for s in "${servers[@]}"; do echo "=== $s fanout S=1000 R=50" >&2; run "$s" fanout -subs 1000 -rate 50 -duration 10s >/dev/null || true; done
  for s in "${servers[@]}"; do echo "=== $s handshakes" >&2; run "$s" handshakes -concurrency 64 -duration 10s -insecure >/dev/null || true; done
  for s in "${servers[@]}"; do echo "=== $s ladder S=1000" >&2; run "$s" ladder -subs 1000 -rates "${RATES_1000:-20,50,100,150,200,300}" >/dev/null || true; done
  for s in "${servers[@]}"; do echo "=== $s ladder S=100" >&2; run "$s" ladder -subs 100 -rates "${RATES_100:-500,1000,2000,3000,5000,7000,10000}" >/dev/null || true; done
  for s in "${servers[@]}"; do echo "=== $s idle N=10000" >&2; run "$s" idle -conns 10000 >/dev/null || true; done
  table "$results"
}

table() {
  python3 - "${1:-$results}" "${RUN_TAG:-}" <<'PY'
import json, sys
from collections import defaultdict
path, tag = sys.argv[1], sys.argv[2]
rows = defaultdict(dict)
for line in open(path):
    r = json.loads(line)
    if tag and r.get("tag") != tag:
        continue
    s, sc = r["server"], r["scenario"]
    res = r.get("result", r)
    if sc == "fanout":
        key = "f%d_%d" % (r.get("subs", res.get("subscribers", 0)) or 0, round(res.get("rate", 0)))
        d = res.get("delivered_per_s") or 0
        cpu = res.get("server_cpu_pct") or 0
        rows[s][key] = (cpu / d * 1e4 if d else None, d, cpu, res.get("p50_ms"), res.get("p99_ms"), res.get("delivery_ratio"), res.get("gen_cpu_pct"))
    elif sc == "handshakes":
        hs = r.get("handshakes_per_s") or 0
        rows[s]["hs"] = (r.get("server_cpu_pct", 0) / hs * 1e4 if hs else None, hs, r.get("server_cpu_pct"), r.get("gen_cpu_pct"))
    elif sc == "ladder" and r.get("steps"):
        rows[s]["ladder%d" % r["steps"][0]["subscribers"]] = (r.get("sustained_delivered_per_s"), r.get("sustained_p99_ms"), r.get("sustained_gen_cpu_pct"))
    elif sc == "idle":
        rows[s]["idle"] = (r.get("kib_per_conn"), r.get("subscribed"))
def us(v): return "—" if v is None else "%.1f" % v
def fan(s, key):
    v = rows[s].get(key)
    if not v: return "—"
    return "%s µs (%d/s, srv %.0f%%, p99 %.1f ms, ratio %.4f)" % (us(v[0]), v[1], v[2], v[4] or 0, v[5] or 0)
print("| server | CPU/msg S=1000 R=20 | CPU/msg S=100 R=500 | S=1000 R=50 | ladder S=1000 | ladder S=100 | CPU/handshake | idle KiB/conn |")
print("|---|---|---|---|---|---|---|---|")
for s in rows:
    r = rows[s]
    lad = lambda k: "%d/s (p99 %.0f ms, gen %.0f%%)" % tuple(x or 0 for x in r[k]) if r.get(k) else "—"
    hs = "%s µs (%.0f/s, gen %.0f%%)" % (us(r["hs"][0]), r["hs"][1], r["hs"][3] or 0) if r.get("hs") else "—"
    idle = "%.1f" % r["idle"][0] if r.get("idle") and r["idle"][0] is not None else "—"
    print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (s, fan(s, "f1000_20"), fan(s, "f100_500"), fan(s, "f1000_50"),
          lad("ladder1000"), lad("ladder100"), hs, idle))
PY
}

case "${1:-}" in
  setup) setup ;;
  run) shift; run "$@" ;;
  matrix) shift; matrix "$@" ;;
  table) shift; table "$@" ;;
  -h|--help|"") sed -n 2,13p "$0" | sed 's/^# \{0,1\}//' ;;
  *) echo "harness: unknown command $1 (setup, run, matrix, table)"; exit 2 ;;
esac
