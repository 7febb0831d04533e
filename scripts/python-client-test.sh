#!/usr/bin/env bash
# The Python package (clients/python, `streamd-client`): installed with pip
# into a throwaway virtual environment the way a user would, checked with
# mypy --strict, then its pytest
# suite runs against the real streamd binary (started by the tests' fixtures
# on loopback over TLS, restarted by the recovery tests).
# STREAMD_REQUIRE_EPOCHS=1 fails (instead of skipping) the wire-format-1.1
# tests when the server sends no epochs.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${STREAMD_BIN:-$(swift build --show-bin-path)/streamd}"
[ -x "$bin" ] || swift build --product streamd >/dev/null
export STREAMD_BIN="$bin"

venv=".build/python-client-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv --system-site-packages "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check ./clients/python
for tool in pytest mypy; do
  "$venv/bin/python" -c "import $tool" 2>/dev/null || "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$tool"
done
# The package ships py.typed: its annotations must hold.
"$venv/bin/python" -m mypy --strict --no-error-summary clients/python/src/streamd_client
# The installed package, not the source tree, is what the tests import.
cd clients/python/tests
exec "../../../$venv/bin/python" -m pytest -q -rs -p no:cacheprovider --rootdir=. .
