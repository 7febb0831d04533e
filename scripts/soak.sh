#!/usr/bin/env bash
# Soak: starts a streamd and runs `streamd bench soak` against it. See --help.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/await-port.sh

usage() {
  cat <<'EOF'
USAGE: scripts/soak.sh [SECONDS] [--connections N] [any streamd bench soak option...]

Starts the streamd binary (the debug build, or $STREAMD_BIN: use a release
build for long runs) on a loopback port with policies-bench/, a fresh CA and
token key, then runs `streamd bench soak --server-pid <its pid>` for SECONDS
(default 30) of churn and publishing. Without options it is the CI version:
1,000 connections, 50 closed and reopened a second (half resuming with since),
20 messages/s, a sample every 2 s, the RSS rule over the samples after the
first 10 s with a 32 MiB noise allowance (30 s cannot tell a slow leak
from the high-water mark of one burst of queued messages on a busy machine:
the CI run catches fast growth and descriptor leaks; the long run, with the
defaults of streamd bench soak, judges the slope). Options after SECONDS go to streamd bench soak and override
these (streamd bench soak --help lists them). Fails when the soak fails
(RSS growth, descriptor leak, server exit) or the server dies.

  scripts/soak.sh                      # the CI run
  STREAMD_BIN=.build/release/streamd scripts/soak.sh 600 --connections 10000 --churn 100 \
      --sample-interval 30s --warmup 3m   # the documented 10-minute run
EOF
}

case "${1:-}" in -h|--help) usage; exit 0 ;; esac
seconds=30
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then seconds="$1"; shift; fi

bin="${STREAMD_BIN:-$(swift build --show-bin-path)/streamd}"
[ -x "$bin" ] || swift build --product streamd >/dev/null

work="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

# Each connection is a descriptor on both sides; ask for what the hard limit allows.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

"$bin" keys generate --kid soak --dir "$work" >/dev/null
"$bin" certs dev --dir "$work/certs" >/dev/null
"$bin" serve --port 0 --port-file "$work/port" --cert "$work/certs/server.pem" --key "$work/certs/server.key" \
  --jwt-key "soak:ES256:$work/soak-public.pem" --policies policies-bench --audit-log "$work/audit.jsonl" \
  --log-format json >"$work/server.log" 2>&1 &
pid=$!
port="$(await_port "$work/port" "$work/server.log")"
issue() { "$bin" token issue --policies policies-bench --key "$work/soak-private.pem" --kid soak --ttl 24h "$@"; }
issue --sub soak --role bench-subscriber >"$work/sub.token"
issue --sub soak-feed --role bench-publisher >"$work/pub.token"

status=0
"$bin" bench soak --server-pid "$pid" --url "wss://127.0.0.1:$port/ws" --ca "$work/certs/ca.pem" \
  --token-file "$work/sub.token" --publisher-token-file "$work/pub.token" \
  --duration "${seconds}s" --connections 1000 --churn 50 --publish-rate 20 --sample-interval 2s --warmup 10s --rss-noise 32 \
  "$@" || status=$?
kill -0 "$pid" 2>/dev/null || { echo "soak: the server died:"; tail -30 "$work/server.log"; exit 1; }
if grep -q '"level":"error"' "$work/server.log"; then
  echo "soak: the server logged errors:"; grep '"level":"error"' "$work/server.log" | head -10; status=1
fi
exit "$status"
