#!/usr/bin/env bash
# libFuzzer targets over streamd's parsers (Tests/Fuzz/targets), each with a
# seed corpus in Tests/Fuzz/corpus/NAME. A target is built with
# `swiftc -sanitize=fuzzer,address` from the sources of the targets it needs,
# compiled as one module (the imports between them dropped), into .build-fuzz/.
#
#   scripts/fuzz.sh --list            one target name per line
#   scripts/fuzz.sh TARGET SECONDS    build and run one target
#   scripts/fuzz.sh [SECONDS]         every target (default 30 s each), FUZZ_JOBS (2) at a time
#
# Exits non-zero on a crash, a leak, a timeout or running out of memory
# (libFuzzer's own verdicts); the input that did it is left in
# .build-fuzz/NAME/artifacts/. The working corpus grows in .build-fuzz/NAME/corpus.
set -euo pipefail
cd "$(dirname "$0")/.."

# name: source targets (a target's folder, or one Target/File.swift), then the
# entry files (beside the shared support file).
targets=(
  "http_request:Base TextFormat WebSocket:http_request.swift"
  "frame_reader_server:Base TextFormat WebSocket:frame_reader_server.swift frame_reader_support.swift"
  "frame_reader_client:Base TextFormat WebSocket:frame_reader_client.swift frame_reader_support.swift"
  "utf8:Base TextFormat WebSocket:utf8.swift"
  "inflate:Base TextFormat WebSocket:inflate.swift"
  "extensions:Base TextFormat WebSocket:extensions.swift"
  "resp:Redis/RESPParser.swift Redis/RESPValue.swift Redis/RESPCommand.swift Redis/RedisError.swift:resp.swift"
  "durable_log:Base TextFormat WebSocket Broadcast:durable_log.swift"
  "audit_verifier:Base TLS TextFormat Audit:audit_verifier.swift"
  "json:Base:json.swift"
  "jwt:Base TextFormat TLS Auth:jwt.swift"
  "policy:Base Policy:policy.swift"
  "client_ops:Base TextFormat StreamServer/ClientRequest.swift StreamServer/PublishSkim.swift:client_ops.swift"
)

# The streamd targets a fuzz module may be made of (their imports are dropped).
project_modules="$(ls Sources | grep -v '^C' | paste -sd'|')"

names() { for entry in "${targets[@]}"; do echo "${entry%%:*}"; done; }

build() {
  local name="$1" entry sources files dir
  entry="$(printf '%s\n' "${targets[@]}" | grep "^$name:")" || { echo "fuzz: no target $name (see --list)"; exit 2; }
  sources="$(echo "$entry" | cut -d: -f2)"
  files="$(echo "$entry" | cut -d: -f3)"
  dir=".build-fuzz/$name"
  rm -rf "$dir/src"; mkdir -p "$dir/src" "$dir/corpus" "$dir/artifacts"
  for source in $sources; do
    case "$source" in
      *.swift) list="Sources/$source" ;;
      *) list="$(ls Sources/"$source"/*.swift)" ;;
    esac
    for file in $list; do
      # One module: imports of the other streamd targets go.
      sed -E "/^(public |internal |@testable )?import ($project_modules)\$/d" "$file" \
        >"$dir/src/$(basename "$(dirname "$file")")-$(basename "$file")"
    done
  done
  for file in $files; do cp "Tests/Fuzz/targets/$file" "$dir/src/fuzz-$file"; done
  swiftc -parse-as-library -sanitize=fuzzer,address -O -g -module-name FuzzTarget \
    -I Sources/CZlib -I Sources/COpenSSL -I Sources/CHiredis -I Sources/CJWT -lz -lssl -lcrypto -lhiredis -ljwt "$dir"/src/*.swift -o "$dir/fuzzer" 2>"$dir/build.log" || {
      grep -E "error" "$dir/build.log" | head -20; echo "fuzz: $name did not build ($dir/build.log)"; exit 1; }
}

run() {
  local name="$1" seconds="$2" dir=".build-fuzz/$1"
  build "$name"
  [ -d "Tests/Fuzz/corpus/$name" ] && cp -n Tests/Fuzz/corpus/"$name"/* "$dir/corpus/" 2>/dev/null || true
  echo "==> fuzz $name for ${seconds} s"
  ASAN_OPTIONS="detect_leaks=1" "$dir/fuzzer" "$dir/corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -artifact_prefix="$dir/artifacts/" -print_final_stats=1 >"$dir/run.log" 2>&1 || {
      tail -40 "$dir/run.log"; echo "fuzz: $name FAILED (input in $dir/artifacts/)"; return 1; }
  grep -E "stat::number_of_executed_units|cov:" "$dir/run.log" | tail -2 | sed 's/^/    /'
}

case "${1:-}" in
  --list) names ;;
  -h|--help) sed -n 2,13p "$0" | sed 's/^# \{0,1\}//' ;;
  "" | [0-9]*)
    # Two at a time: a build or a run keeps one core busy.
    seconds="${1:-30}"
    names | xargs -P "${FUZZ_JOBS:-2}" -I{} "$0" {} "$seconds" ;;
  *) [ -n "${2:-}" ] || { echo "usage: scripts/fuzz.sh TARGET SECONDS"; exit 2; }
     run "$1" "$2" ;;
esac
