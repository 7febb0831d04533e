#!/usr/bin/env bash
# Installs the system packages streamd needs to build, run and test, when missing.
# Debian/Ubuntu (apt). Safe to run again: it installs nothing that is present.
set -euo pipefail

packages=(libssl-dev libjwt-dev libhiredis-dev zlib1g-dev openssl pkg-config ca-certificates)
if [ "${1:-}" = "--test" ]; then
  # redis-server (with redis-cli): the cluster tests start their own on loopback.
  packages+=(python3 redis-server curl)
  # The JS clients' and dashboard's tests (scripts/browser-test.sh): headless
  # Chromium, node-ws for stream-client.js under Node, tsc and React's types
  # for the useStream declarations, React's UMD builds for its test page.
  packages+=(chromium nodejs node-ws node-typescript node-react node-react-dom node-csstype node-prop-types)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  for dir in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
    [ -x "$dir/swift" ] && export PATH="$dir:$PATH"
  done
fi
command -v swift >/dev/null 2>&1 || { echo "error: the Swift 6 toolchain is not on PATH (see https://swift.org/install)"; exit 1; }

if [ "${1:-}" = "--test" ]; then
  # The third-party client used by the interoperability test.
  if ! python3 -c 'import websockets' 2>/dev/null; then
    echo "==> installing the Python websockets client (interop tests)"
    python3 -m pip install --quiet --disable-pip-version-check websockets
  fi
fi
