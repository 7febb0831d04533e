#!/usr/bin/env bash
# Two real streamd instances behind one real redis-server (issue 6): a
# publish on one reaches a subscriber on the other; one instance is killed
# with kill -9, and its client recovers exactly what it missed on the other.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/await-port.sh
bin="${STREAMD_BIN:-$(swift build --show-bin-path)/streamd}"
[ -x "$bin" ] || swift build --product streamd >/dev/null
command -v redis-server >/dev/null || { echo "redis-server is missing: scripts/install-deps.sh --test installs it"; exit 1; }
work="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT

redis_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --loglevel warning >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

"$bin" keys generate --kid cluster --dir "$work" >/dev/null
start_instance() {  # NAME → sets port_NAME and pid_NAME
  local name="$1"
  rm -f "$work/$name.port"
  "$bin" serve --port 0 --port-file "$work/$name.port" --cert "$work/certs/server.pem" --key "$work/certs/server.key" \
    --jwt-key "cluster:ES256:$work/cluster-public.pem" --audit-log "$work/$name-audit.jsonl" --data-dir "$work/$name-streams" \
    --redis "redis://127.0.0.1:$redis_port" --log-format json >"$work/$name.log" 2>&1 &
  pids+=($!)
  eval "pid_$name=$!"
  local port; port="$(await_port "$work/$name.port" "$work/$name.log")"
  eval "port_$name=$port"
  for _ in $(seq 1 100); do
    curl -sk --cacert "$work/certs/ca.pem" "https://127.0.0.1:$port/healthz" | grep -q '"redis":"up"' && return
    sleep 0.1
  done
  echo "instance $name never reported Redis up:"; cat "$work/$name.log"; exit 1
}
# The first start makes the dev certificates both instances share.
"$bin" certs dev --dir "$work/certs" >/dev/null
start_instance a
start_instance b
grep -q '"msg":"cluster mode' "$work/a.log" || { echo "FAIL: no cluster start-up line"; cat "$work/a.log"; exit 1; }

token="$("$bin" token issue --sub acct-1 --role trader --ttl 10m --key "$work/cluster-private.pem" --kid cluster)"
"$bin" token issue --sub feed --role producer --ttl 10m --key "$work/cluster-private.pem" --kid cluster >"$work/feed.token"
publish() {  # PORT N → prints "order:acct-1 seq=S"; the epoch goes to $work/epochs (one epoch throughout)
  local line
  line="$("$bin" publish --url "https://127.0.0.1:$1" --token-file "$work/feed.token" --ca "$work/certs/ca.pem" \
    order:acct-1 "{\"order_id\":\"o$2\",\"status\":\"new\"}")"
  echo "${line##*epoch=}" >>"$work/epochs"
  echo "${line%% epoch=*}"
}
for n in 1 2; do [ "$(publish "$port_b" "$n")" = "order:acct-1 seq=$n" ] || { echo "FAIL: seq on b"; exit 1; }; done
# Instance a holds the shared history too: a client there recovers 1..2.
python3 Tests/Interop/python_recovery_client.py "$port_a" "$work/certs/ca.pem" "$token" 0 2
{ kill -KILL "$pid_a"; wait "$pid_a"; } 2>/dev/null || true
for n in 3 4 5; do [ "$(publish "$port_b" "$n")" = "order:acct-1 seq=$n" ] || { echo "FAIL: seq on b after the kill"; exit 1; }; done
# The killed instance's client comes back on b and recovers what it missed.
python3 Tests/Interop/python_recovery_client.py "$port_b" "$work/certs/ca.pem" "$token" 2 5
# A restarted a resyncs from Redis and numbering stays one sequence.
start_instance a
python3 Tests/Interop/python_recovery_client.py "$port_a" "$work/certs/ca.pem" "$token" 2 5
[ "$(publish "$port_a" 6)" = "order:acct-1 seq=6" ] || { echo "FAIL: seq on the restarted instance"; exit 1; }
[ "$(sort -u "$work/epochs" | wc -l)" = 1 ] || { echo "FAIL: the epoch changed while Redis kept the channel:"; cat "$work/epochs"; exit 1; }
for log in "$work"/*.log; do
  if grep -qF "$token" "$log"; then echo "FAIL: a token reached $log"; exit 1; fi
done
echo "cluster: two instances, kill -9 of one, its client recovered on the other; seq stayed one sequence"
