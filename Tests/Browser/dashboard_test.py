#!/usr/bin/env python3
"""The dashboard in headless Chromium, driven over the Chrome DevTools Protocol.

Usage: dashboard_test.py PORT CA_PEM TOKEN SCREENSHOT_PNG

streamd (serve --demo) must be listening on 127.0.0.1:PORT. Only the standard
library and `websockets` are used. TLS: the test pins the server's public key
with --ignore-certificate-errors-spki-list (computed with the openssl CLI from
the certificate the server presents, after verifying it against CA_PEM with
Python's ssl module); without openssl it falls back to
--ignore-certificate-errors, acceptable for a loopback test with a throwaway CA.
"""

import base64
import json
import os
import queue
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import http.client
import urllib.request

from websockets.sync.client import connect as ws_connect

SYMBOLS = ["EURUSD", "GBPUSD", "USDJPY", "XAUUSD"]

passed = 0
failed = 0


def ok(name):
    global passed
    passed += 1
    print(f"ok   {name}", flush=True)


def fail(name, detail=""):
    global failed
    failed += 1
    print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)


def check(condition, name, detail=""):
    if condition:
        ok(name)
    else:
        fail(name, detail)
    return condition


class CDP:
    """A minimal DevTools client over one page target's WebSocket."""

    def __init__(self, url):
        self._connect = ws_connect(url, max_size=None, open_timeout=10, proxy=None)
        self.ws = self._connect.__enter__()
        self.next_id = 0
        self.events = []

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass

    def _read(self, timeout):
        raw = self.ws.recv(timeout=timeout)
        return json.loads(raw)

    def call(self, method, params=None, timeout=15):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no answer to {method}")
            msg = self._read(left)
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, name, timeout=15):
        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self.events):
                if event["method"] == name:
                    return self.events.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {name} event")
            try:
                msg = self._read(min(left, 1.0))
            except TimeoutError:
                continue
            if "method" in msg:
                self.events.append(msg)

    def pump(self, seconds):
        """Reads events for a while (so console errors are collected)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                msg = self._read(max(0.05, deadline - time.monotonic()))
            except TimeoutError:
                return
            if "method" in msg:
                self.events.append(msg)

    def evaluate(self, expression, timeout=10):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}, timeout)
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluate failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")


def fetch_root(port, ca):
    context = ssl.create_default_context(cafile=ca)
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        body = response.read()
        headers = {k.lower(): v for k, v in response.getheaders()}
        der = connection.sock.getpeercert(binary_form=True) if connection.sock else None
        return response.status, headers, body, der
    finally:
        connection.close()


def fetch(port, ca, path):
    context = ssl.create_default_context(cafile=ca)
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def metric(port, ca, name):
    """One counter from GET /metrics, or -1 when it is not there."""
    context = ssl.create_default_context(cafile=ca)
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    try:
        connection.request("GET", "/metrics")
        for line in connection.getresponse().read().decode().splitlines():
            if line.startswith(name + " "):
                return int(float(line.split()[-1]))
        return -1
    finally:
        connection.close()


def handshake_extensions(cdp):
    """Sec-WebSocket-Extensions of the page's WebSocket upgrade answer, from the
    Network domain (enabled before the page connected). Network is then turned
    off and its events dropped: the upgrade request carries the token (as a
    subprotocol), and every later frame would pile up in the event list."""
    try:
        event = cdp.wait_event("Network.webSocketHandshakeResponseReceived", 20)
        headers = event["params"]["response"].get("headers", {})
        return next((v for k, v in headers.items() if k.lower() == "sec-websocket-extensions"), "")
    finally:
        cdp.call("Network.disable")
        cdp.events = [e for e in cdp.events if not e["method"].startswith("Network.")]


def big_signal(model):
    """A signal of about 2 KB (over compression.min_bytes), so it travels compressed."""
    factors = [{"factor": f"f{i}", "score": round(0.1 + (i * 37 % 90) / 100, 2), "horizon": "1h"} for i in range(44)]
    return {"symbol": "EURUSD", "side": "sell", "strength": 0.7, "confidence": 70.0, "model": model,
            "timeframe": "H1", "factors": factors}


def spki_hash(der):
    """base64(sha256(SubjectPublicKeyInfo)) of a DER certificate, via the openssl CLI."""
    if not der or not shutil.which("openssl"):
        return None
    try:
        pub = subprocess.run(["openssl", "x509", "-inform", "der", "-pubkey", "-noout"], input=der,
                             capture_output=True, timeout=10, check=True).stdout
        spki = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub,
                              capture_output=True, timeout=10, check=True).stdout
        digest = subprocess.run(["openssl", "dgst", "-sha256", "-binary"], input=spki,
                                capture_output=True, timeout=10, check=True).stdout
        return base64.b64encode(digest).decode()
    except (subprocess.SubprocessError, OSError):
        return None


def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def launch_chromium(profile, spki):
    binary = chromium_binary()
    if not binary:
        raise RuntimeError("chromium not found")
    args = [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
            f"--user-data-dir={profile}", "--window-size=1280,900", "--hide-scrollbars",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-sync", "--disable-component-update",
            "--force-color-profile=srgb"]
    if spki:
        args.append(f"--ignore-certificate-errors-spki-list={spki}")
    else:
        args.append("--ignore-certificate-errors")
    args.append("about:blank")
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    lines = queue.Queue()

    def drain():
        for raw in process.stderr:
            lines.put(raw.decode(errors="replace"))

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + 30
    stderr_seen = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        stderr_seen.append(line)
        if "DevTools listening on " in line:
            return process, line.split("DevTools listening on ", 1)[1].strip()
    process.kill()
    raise RuntimeError("chromium did not report its DevTools URL:\n" + "".join(stderr_seen[-20:]))


def close_browser(cdp, process, profile):
    """Ends a browser session: the DevTools connection, Chromium's process group, its profile."""
    if cdp:
        cdp.close()
    if process:
        try:
            os.killpg(process.pid, 15)
            process.wait(timeout=10)
        except Exception:
            try:
                os.killpg(process.pid, 9)
            except Exception:
                pass
    shutil.rmtree(profile, ignore_errors=True)


def open_page(profile, spki):
    """Chromium and a DevTools session on its page, with Page, Runtime and Log events on."""
    process, browser_url = launch_chromium(profile, spki)
    cdp = CDP(page_target(browser_url))
    for domain in ("Page", "Runtime", "Log"):
        cdp.call(f"{domain}.enable")
    return process, cdp


def page_target(browser_url):
    # ws://127.0.0.1:PORT/devtools/browser/ID → http://127.0.0.1:PORT/json/list
    host = browser_url.split("/")[2]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with opener.open(f"http://{host}/json/list", timeout=5) as response:
            targets = json.load(response)
        pages = [t for t in targets if t.get("type") == "page"]
        if pages:
            return pages[0]["webSocketDebuggerUrl"]
        time.sleep(0.2)
    raise RuntimeError("no page target")


XSS_PROBE = 'XSS probe <img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'

XSS_JS = r"""
(() => {
  const ideas = document.getElementById('ideas');
  return {
    shown: [...ideas.querySelectorAll('.why')].some((p) => p.textContent.includes('<script>window.__xss=2</script>')),
    elements: ideas.querySelectorAll('img, script, b:not(.levels b)').length,
    flag: window.__xss ?? null,
  };
})()
"""


def publish(port, ca, token, item):
    context = ssl.create_default_context(cafile=ca)
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    try:
        body = json.dumps(item).encode()
        connection.request("POST", "/api/v1/publish", body=body, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


STATE_JS = r"""
(() => {
  const rows = [...document.querySelectorAll('#prices tbody tr')].map((r) => ({
    symbol: r.dataset.symbol,
    bid: r.querySelector('td.bid')?.textContent,
    ask: r.querySelector('td.ask')?.textContent,
    spread: r.querySelector('td.spread')?.textContent,
  }));
  const cellTexts = (sel) => [...document.querySelectorAll(sel)].map((r) => [...r.cells].map((c) => c.textContent));
  return {
    state: document.getElementById('status').dataset.state,
    statusText: document.getElementById('status-text').textContent,
    subject: document.getElementById('subject').textContent,
    session: document.getElementById('session-id').textContent,
    prices: rows,
    orders: cellTexts('#orders tbody tr'),
    payloads: cellTexts('#payloads tbody tr'),
    signals: document.querySelectorAll('#signals tbody tr').length,
    ideas: document.querySelectorAll('#ideas li').length,
    href: location.href,
    localStorageKeys: Object.keys(localStorage),
    tokenType: document.getElementById('token').type,
  };
})()
"""


def is_number(text):
    try:
        float(text)
        return True
    except (TypeError, ValueError):
        return False


def console_errors(events):
    errors = []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            errors.append("exception: " + str(details.get("exception", {}).get("description") or details.get("text")))
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            if entry.get("level") == "error" and "favicon" not in (entry.get("url", "") + entry.get("text", "")):
                errors.append(f"log ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}".strip())
    return errors


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        return 2
    port, ca, token, screenshot = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    origin = f"https://127.0.0.1:{port}"

    # The page and its headers, fetched with the CA trusted.
    status, headers, body, der = fetch_root(port, ca)
    check(status == 200 and b"<title>" in body, "GET / serves the dashboard", f"status {status}")
    csp = headers.get("content-security-policy", "")
    check("script-src 'self'" in csp and "default-src 'self'" in csp and "frame-ancestors 'none'" in csp,
          "GET / carries the strict Content-Security-Policy", csp or "no CSP header")
    check(headers.get("content-type", "").startswith("text/html"), "GET / is text/html", headers.get("content-type", ""))
    for path, kind in (("/assets/app.js", "javascript"), ("/assets/stream-client.js", "javascript"), ("/assets/app.css", "text/css")):
        s, h = fetch(port, ca, path)
        check(s == 200 and kind in h.get("content-type", ""), f"GET {path} ({kind})", f"{s} {h.get('content-type')}")

    spki = spki_hash(der)
    print(f"# TLS in chromium: {'pinned server key (spki ' + spki + ')' if spki else '--ignore-certificate-errors'}", flush=True)

    profile = tempfile.mkdtemp(prefix="dash-chromium-")
    process = None
    cdp = None
    try:
        process, browser_url = launch_chromium(profile, spki)
        cdp = CDP(page_target(browser_url))
        for domain in ("Page", "Runtime", "Log"):
            cdp.call(f"{domain}.enable")
        cdp.call("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})

        # First load without a token: nothing connects; then the token goes
        # into sessionStorage for this origin and the page is reloaded.
        cdp.call("Page.navigate", {"url": origin + "/"})
        cdp.wait_event("Page.loadEventFired", 20)
        check(cdp.evaluate("document.getElementById('status').dataset.state") == "idle",
              "without a token the page stays disconnected")
        cdp.evaluate(f"sessionStorage.setItem('streamd.token', {json.dumps(token)}); true")
        cdp.call("Network.enable")  # to see the WebSocket upgrade's answer headers
        cdp.call("Page.reload", {"ignoreCache": True})
        cdp.wait_event("Page.loadEventFired", 20)
        extensions = handshake_extensions(cdp)
        check(extensions.startswith("permessage-deflate") and "server_no_context_takeover" in extensions,
              "Chromium offered permessage-deflate and streamd agreed", extensions or "no Sec-WebSocket-Extensions answer")

        state = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            state = cdp.evaluate(STATE_JS)
            if state["state"] == "connected":
                break
            cdp.pump(0.25)
        check(state and state["state"] == "connected", "the page shows connected",
              f"{state and state['state']}: {state and state['statusText']}")
        check(state and state["subject"] == "demo-1" and state["session"] not in ("", "—"),
              "subject and session from welcome are shown", f"{state and state['subject']} {state and state['session']}")

        # Demo: ticks several times a second, orders every ~5 s, payloads every ~10 s.
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            state = cdp.evaluate(STATE_JS)
            prices = {row["symbol"]: row for row in state["prices"]}
            have_prices = all(s in prices and is_number(prices[s]["bid"]) and is_number(prices[s]["ask"]) for s in SYMBOLS)
            if have_prices and state["orders"] and state["payloads"]:
                break
            cdp.pump(0.5)
        prices = {row["symbol"]: row for row in state["prices"]}
        missing = [s for s in SYMBOLS if s not in prices or not (is_number(prices[s]["bid"]) and is_number(prices[s]["ask"]))]
        check(not missing, "price table has numeric bid/ask for " + "/".join(SYMBOLS), f"missing {missing}: {state['prices']}")
        check(all(float(prices[s]["ask"]) >= float(prices[s]["bid"]) for s in SYMBOLS if s not in missing),
              "ask >= bid in every price row")
        check(len(state["orders"]) >= 1, "at least one order update row", f"{len(state['orders'])} rows")
        check(len(state["payloads"]) >= 1, "at least one prepared payload row", f"{len(state['payloads'])} rows")
        if state["orders"]:
            row = state["orders"][0]
            check(row[1].startswith("ORD_") and row[2] in SYMBOLS and row[3] in ("buy", "sell"),
                  "order row shows order_id, symbol and side", str(row))
        check(state["state"] == "connected", "still connected after the data checks", state["statusText"])
        check("token" not in state["href"] and token not in state["href"], "the token is not in the URL")
        check(not state["localStorageKeys"], "nothing in localStorage", str(state["localStorageKeys"]))
        check(state["tokenType"] == "password", "the token field is a password input")
        print(f"# signals {state['signals']}, ideas {state['ideas']}, orders {len(state['orders'])}, "
              f"payloads {len(state['payloads'])}", flush=True)

        # Publisher data is rendered as text: an idea whose fields hold markup
        # (published over HTTPS with a producer token) must show the markup
        # literally and create no elements.
        publisher = os.environ.get("DASH_PUBLISHER_TOKEN")
        if publisher:
            status = publish(port, ca, publisher, {"channel": "idea:EURUSD", "data": {
                "symbol": "EURUSD", "direction": "buy", "timeframe": "<b>H1</b>",
                "entry": 1.085, "stop": 1.082, "target": 1.091, "risk_reward": 2.0,
                "rationale": XSS_PROBE}})
            check(status == 200, "publish an idea holding markup (producer token)", f"status {status}")
            seen = None
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                seen = cdp.evaluate(XSS_JS)
                if seen["shown"]:
                    break
                cdp.pump(0.25)
            check(seen and seen["shown"] and seen["elements"] == 0 and seen["flag"] is None,
                  "markup in a message is shown as text, never executed (XSS)", str(seen))
            # A signal with valid_until in its data is greyed once that passes.
            until = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + 3)) + ".000Z"
            status = publish(port, ca, publisher, {"channel": "signal:EURUSD", "data": {
                "symbol": "EURUSD", "side": "buy", "strength": 0.5, "confidence": 50.0,
                "model": "ExpiryProbe", "timeframe": "M5", "valid_until": until}})
            check(status == 200, "publish a signal valid for 3 s", f"status {status}")
            probe = "[...document.querySelectorAll('#signals tbody tr')].filter((r) => r.cells[2].textContent === 'ExpiryProbe').map((r) => r.classList.contains('expired'))"
            states = []
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                states.append(cdp.evaluate(probe))
                if states[-1] == [True]:
                    break
                cdp.pump(0.5)
            check([False] in states and states[-1] == [True], "a signal is greyed once its valid_until passes", str(states[-3:]))
            # A 2 KB signal goes out compressed; Chromium inflates it and the table shows it.
            before = metric(port, ca, "streamd_compressed_frames_total")
            status = publish(port, ca, publisher, {"channel": "signal:EURUSD", "data": big_signal("CompressedProbe")})
            check(status == 200, "publish a 2 KB signal", f"status {status}")
            probe = "[...document.querySelectorAll('#signals tbody tr')].filter((r) => r.cells[2].textContent === 'CompressedProbe').length"
            shown = 0
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not shown:
                shown = cdp.evaluate(probe)
                if not shown:
                    cdp.pump(0.25)
            after = metric(port, ca, "streamd_compressed_frames_total")
            check(shown == 1 and after > before, "a compressed 2 KB signal is inflated and rendered",
                  f"rows {shown}, compressed frames {before} -> {after}")
        else:
            print("# DASH_PUBLISHER_TOKEN not set: XSS and expiry checks skipped", flush=True)

        scripts = cdp.evaluate("[...document.scripts].map((s) => s.src)")
        check(scripts == [origin + "/assets/app.js"], "only the dashboard module script is on the page", str(scripts))

        cdp.pump(1.0)
        errors = console_errors(cdp.events)
        check(not errors, "no console errors", "; ".join(errors[:5]))
        logged_token = [e for e in cdp.events if token in json.dumps(e)]
        check(not logged_token, "the token never reached the console")

        shot = cdp.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False}, timeout=30)
        os.makedirs(os.path.dirname(os.path.abspath(screenshot)), exist_ok=True)
        with open(screenshot, "wb") as out:
            out.write(base64.b64decode(shot["data"]))
        check(os.path.getsize(screenshot) > 10_000, f"screenshot saved to {screenshot}")
    except Exception as error:  # a crash of the harness counts as a failure
        fail("browser session", f"{type(error).__name__}: {error}")
    finally:
        close_browser(cdp, process, profile)

    print(f"browser: {passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
