#!/usr/bin/env bash
# Fuzzes the HTTPS API (docs/openapi.yaml) of the real streamd binary with
# schemathesis, once per kind of token. See --help.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/await-port.sh

usage() {
  cat <<'EOF'
USAGE: scripts/api-fuzz.sh [--max-examples N] [--keep]

Starts the real streamd (the debug build, or $STREAMD_BIN) on a loopback port
with a fresh CA, certificate and HS256 token key, then runs schemathesis
(pinned below, installed into .build/api-fuzz-venv) against docs/openapi.yaml:
POST /api/v1/publish, GET /healthz and GET /metrics, once with each token:

  producer   a valid token of the producer role (publishes for real)
  missing    no Authorization header
  malformed  "Bearer not.a.jwt"
  expired    signed with the server's key, exp an hour ago
  wrong-key  a well-formed token signed with another secret
  trader     valid, but the trader role may not publish (403 forbidden)
  no-role    valid, with a role the policy does not know (403 unknown_role)

Every answer must be documented (status code, content type, headers, JSON
schema) and none may be a 5xx. Afterwards GET /healthz must answer 200
{"status":"ok"} and the process must still be running.

OPTIONS:
  --max-examples N   test cases per operation for the producer and trader
                     tokens, half as many for the others (default 25)
  --keep             keep the work directory (server log, schemathesis reports)
  -h, --help         show this help
EOF
}

max_examples=25
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --max-examples) max_examples="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "api-fuzz: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

schemathesis_version="4.32.5"
repo="$(pwd)"
bin="${STREAMD_BIN:-$(swift build --show-bin-path)/streamd}"
[ -x "$bin" ] || swift build --product streamd >/dev/null

venv=".build/api-fuzz-venv"
if [ ! -x "$venv/bin/st" ] || ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('schemathesis') != '$schemathesis_version')" 2>/dev/null; then
  echo "==> installing schemathesis $schemathesis_version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi

work="$(mktemp -d)"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  if [ "$keep" -eq 1 ]; then echo "api-fuzz: work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# An HS256 secret, so this script can also sign the tokens streamd token issue will not (expired ones).
head -c 32 /dev/urandom >"$work/fuzz.secret"
head -c 32 /dev/urandom >"$work/other.secret"
"$bin" certs dev --dir "$work/certs" >/dev/null
"$bin" serve --port 0 --port-file "$work/port" --cert "$work/certs/server.pem" --key "$work/certs/server.key" \
  --jwt-key "fuzz:HS256:$work/fuzz.secret" --audit-log "$work/audit.jsonl" --log-format json >"$work/server.log" 2>&1 &
pid=$!
port="$(await_port "$work/port" "$work/server.log")"
base="https://127.0.0.1:$port"

issue() { "$bin" token issue --key "$work/fuzz.secret" --kid fuzz --alg HS256 --ttl 10m "$@"; }
sign_hs256() {  # sign_hs256 SECRET_FILE SUB ROLE EXP_OFFSET_SECONDS
  python3 - "$@" <<'PY'
import base64, hashlib, hmac, json, sys, time
secret = open(sys.argv[1], "rb").read()
now = int(time.time())
def b64(raw): return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "fuzz"}).encode())
claims = b64(json.dumps({"sub": sys.argv[2], "roles": [sys.argv[3]], "iat": now - 7200, "jti": f"fuzz-{now}",
                         "exp": now + int(sys.argv[4])}).encode())
signature = hmac.new(secret, f"{header}.{claims}".encode(), hashlib.sha256).digest()
print(f"{header}.{claims}.{b64(signature)}")
PY
}

declare -A tokens
tokens[producer]="$(issue --sub feed --role producer)"
tokens[trader]="$(issue --sub acct-1 --role trader)"
tokens[expired]="$(sign_hs256 "$work/fuzz.secret" feed producer -3600)"
tokens[wrong-key]="$(sign_hs256 "$work/other.secret" feed producer 600)"
tokens[no-role]="$(sign_hs256 "$work/fuzz.secret" feed no-such-role 600)"
tokens[malformed]="not.a.jwt"

# The signed-by-hand tokens must be refused for the reason they are named after
# (and the producer one accepted), or the runs below would test something else.
expect() {  # expect NAME STATUS ERROR
  local answer
  answer="$(curl -sS --cacert "$work/certs/ca.pem" -o - -w ' %{http_code}' -X POST "$base/api/v1/publish" \
    ${tokens[$1]:+-H "Authorization: Bearer ${tokens[$1]}"} -H 'Content-Type: application/json' \
    --data '{"channel":"tick:FUZZ","data":{"bid":1}}')"
  case "$answer" in
    *"\"error\":\"$3\""*" $2"|*"$3"*" $2") ;;
    *) echo "api-fuzz: the $1 token got '$answer', expected $2 $3"; exit 1 ;;
  esac
}
expect producer 200 results
expect missing 401 missing_token
expect malformed 401 invalid_token
expect expired 401 invalid_token
expect wrong-key 401 invalid_token
expect trader 403 forbidden
expect no-role 403 unknown_role

checks="not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"
failed=()
for name in producer missing malformed expired wrong-key trader no-role; do
  header=()
  [ -n "${tokens[$name]:-}" ] && header=(-H "Authorization: Bearer ${tokens[$name]}")
  # The bodies matter only to tokens that get past authentication; the
  # others need fewer cases (every one of them ends at the token check).
  phases=examples,fuzzing examples=$(( (max_examples + 1) / 2 ))
  case "$name" in producer|trader) phases=examples,coverage,fuzzing examples=$max_examples ;; esac
  echo "==> schemathesis, token: $name ($phases)"
  # From the work directory: schemathesis keeps its example database in ./.schemathesis.
  if ! (cd "$work" && "$repo/$venv/bin/st" run "$repo/docs/openapi.yaml" --url "$base" --tls-verify "$work/certs/ca.pem" "${header[@]}" \
      --checks "$checks" --max-examples "$examples" --seed 15 --workers 1 --request-timeout 10 \
      --phases "$phases" --no-color --output-sanitize true \
      --report junit --report-dir "$work/report-$name") >"$work/st-$name.log" 2>&1; then
    failed+=("$name")
    tail -60 "$work/st-$name.log"
  else
    grep -A1 '^Test cases:' "$work/st-$name.log" | tail -1
  fi
  kill -0 "$pid" 2>/dev/null || { echo "api-fuzz: the server died during the $name run:"; tail -40 "$work/server.log"; exit 1; }
done

health="$(curl -sS --cacert "$work/certs/ca.pem" -w ' %{http_code}' "$base/healthz")"
[ "$health" = '{"status":"ok"} 200' ] || { echo "api-fuzz: /healthz after the runs: $health"; exit 1; }
kill -0 "$pid" 2>/dev/null || { echo "api-fuzz: the server is gone"; exit 1; }
if grep -q '"level":"error"\|"level":"fatal"' "$work/server.log"; then
  echo "api-fuzz: the server logged errors:"; grep '"level":"error"\|"level":"fatal"' "$work/server.log" | head -20; exit 1
fi
[ ${#failed[@]} -eq 0 ] || { echo "api-fuzz: FAILED with tokens: ${failed[*]}"; exit 1; }
echo "api-fuzz: every answer matched docs/openapi.yaml; /healthz ok and the server alive ($(grep -c "" "$work/audit.jsonl") publish requests audited)"
