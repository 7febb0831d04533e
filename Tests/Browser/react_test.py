#!/usr/bin/env python3
"""The useStream hook in headless Chromium, against the real streamd.

Usage: react_test.py WEB_DIR

WEB_DIR holds the test page built by scripts/browser-test.sh: index.html, the
example component compiled by tsc (main.js, example.js), Debian's React UMD
builds and stream-client.js / use-stream.js under /streamd/. This script
serves it on http://127.0.0.1:<port> (an origin the test policy allows),
starts streamd (STREAMD_BIN) on loopback over TLS, and checks that the page
shows live order updates, the status while the server restarts, and that
after the restart nothing was lost or repeated.
"""

from __future__ import annotations

import functools
import http.server
import json
import ssl
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "clients" / "python" / "tests"))

from dashboard_test import CDP, check, close_browser, console_errors, fail, open_page, publish, spki_hash  # noqa: E402
import dashboard_test  # noqa: E402
from streamd_server import LIMITS, Streamd  # noqa: E402

STATE_JS = r"""
(() => {
  const root = document.getElementById('example');
  if (!root) return null;
  return {
    status: root.dataset.status,
    connected: root.dataset.connected,
    received: Number(root.dataset.received),
    statusText: document.getElementById('status').textContent,
    last: document.getElementById('last').textContent,
    history: [...document.querySelectorAll('#history li')].map((li) => li.textContent),
    failures: document.getElementById('failures').textContent,
    statuses: window.__statuses || [],
    href: location.href,
  };
})()
"""

WATCH_JS = r"""
(() => {
  window.__statuses = [];
  const root = document.getElementById('example');
  window.__statuses.push(root.dataset.status);
  new MutationObserver(() => {
    const s = root.dataset.status;
    if (window.__statuses.at(-1) !== s) window.__statuses.push(s);
  }).observe(root, { attributes: true, attributeFilter: ['data-status'] });
  return true;
})()
"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript"}

    def log_message(self, *args):  # no access log on stderr
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_der(port: int, ca: str) -> bytes:
    context = ssl.create_default_context(cafile=ca)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            return tls.getpeercert(binary_form=True)


def wait_state(cdp: CDP, predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = cdp.evaluate(STATE_JS)
        if state and predicate(state):
            return state
        cdp.pump(0.1)
    raise TimeoutError(f"{what}: last state {json.dumps(state)}")


def orders(*numbers: int) -> list[str]:
    return [f"ORD_{n}" for n in numbers]


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    web = sys.argv[1]
    page_port = free_port()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", page_port), functools.partial(QuietHandler, directory=web))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{page_port}"

    server = Streamd()
    limits = {**LIMITS, "origins": [origin]}
    (server.policies / "limits.json").write_text(json.dumps(limits))
    server.start()
    trader = server.token("acct-1", "trader")
    feed = server.token("feed", "producer")
    profile = tempfile.mkdtemp(prefix="react-chromium-")
    process = None
    cdp = None

    def publish_orders(*numbers: int) -> None:
        for n in numbers:
            status = publish(server.port, server.ca, feed, {"channel": "order:acct-1", "data": {
                "order_id": f"ORD_{n}", "symbol": "EURUSD", "side": "buy", "status": "filled", "volume": 0.1}})
            if status != 200:
                raise RuntimeError(f"publish ORD_{n}: HTTP {status}")

    try:
        process, cdp = open_page(profile, spki_hash(server_der(server.port, server.ca)))
        fragment = urllib.parse.urlencode({"url": server.url, "token": trader, "account": "acct-1"})
        cdp.call("Page.navigate", {"url": f"{origin}/index.html#{fragment}"})
        cdp.wait_event("Page.loadEventFired", 20)

        state = wait_state(cdp, lambda s: s["status"] == "connected", 20, "connected")
        cdp.evaluate(WATCH_JS)
        check(state["connected"] == "true" and "Connected" in state["statusText"],
              "the example component shows Connected (isConnected, status)", state["statusText"])
        check(trader not in state["href"], "the token left the address bar", state["href"][:80])

        publish_orders(1, 2, 3)
        state = wait_state(cdp, lambda s: len(s["history"]) >= 3, 15, "three live order updates")
        check(state["history"] == orders(1, 2, 3), "live messages reach messageHistory in order", str(state["history"]))
        check(state["last"].startswith("Last Message: ORD_3"), "lastMessage is the newest", state["last"])

        # Restart: SIGTERM (close 1001), start again on the same port and
        # data directory, publish while the page is still away, then live.
        server.stop()
        state = wait_state(cdp, lambda s: s["status"] in ("reconnecting", "connecting"), 10, "status while down")
        check(state["connected"] == "false" and "Disconnected" in state["statusText"],
              "while the server is down the page says Disconnected", f"{state['status']}: {state['statusText']}")
        server.start()
        publish_orders(4, 5)
        state = wait_state(cdp, lambda s: s["status"] == "connected" and len(s["history"]) >= 5, 30,
                           "reconnected and recovered")
        check(state["history"] == orders(1, 2, 3, 4, 5),
              "after the restart the updates published meanwhile are recovered", str(state["history"]))
        publish_orders(6)
        state = wait_state(cdp, lambda s: len(s["history"]) >= 6, 15, "live after the restart")
        cdp.pump(0.5)
        state = cdp.evaluate(STATE_JS)
        check(state["history"] == orders(1, 2, 3, 4, 5, 6) and state["received"] == 6,
              "no update lost or repeated across the restart", f"{state['history']} received={state['received']}")
        check("reconnecting" in state["statuses"] and state["statuses"][-1] == "connected",
              "status went through reconnecting and back to connected", str(state["statuses"]))
        check(state["failures"] == "", "no recovery failure reported", state["failures"])

        # Expected noise: Chromium logs the refused attempts while the server was down.
        errors = [e for e in console_errors(cdp.events) if "WebSocket connection to" not in e]
        check(not errors, "no console errors", "; ".join(errors[:5]))
        console = [e for e in cdp.events if e["method"] in ("Runtime.consoleAPICalled", "Log.entryAdded",
                                                            "Runtime.exceptionThrown")]
        check(console and not [e for e in console if trader in json.dumps(e)], "the token never reached the console",
              f"{len(console)} console events")
    except Exception as error:  # a crash of the harness counts as a failure
        fail("react page", f"{type(error).__name__}: {error}")
        print(server.log.read_text()[-2000:] if server.log.exists() else "", flush=True)
    finally:
        close_browser(cdp, process, profile)
        httpd.shutdown()
        server.cleanup()

    print(f"react: {dashboard_test.passed} passed, {dashboard_test.failed} failed", flush=True)
    return 0 if dashboard_test.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
