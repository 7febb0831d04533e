# Sourced by the scripts that start `streamd serve --port 0 --port-file FILE`.
#
#   port="$(await_port FILE LOG [SECONDS])"
#
# Waits up to SECONDS (default 10) for the server to write its port to FILE
# and prints it; if it never does, prints the server's LOG to stderr and
# fails, so `set -e` stops the calling script there.
await_port() {
  local file="$1" log="$2" tenths=$(( ${3:-10} * 10 ))
  for _ in $(seq 1 "$tenths"); do [ -s "$file" ] && break; sleep 0.1; done
  if [ ! -s "$file" ]; then
    echo "$(basename "$0"): the server did not start ($file never written); its log:" >&2
    cat "$log" >&2
    return 1
  fi
  cat "$file"
}
