#!/usr/bin/env python3
"""The dashboard's order ticket in headless Chromium, against the real streamd.

Usage: trading_test.py  (STREAMD_BIN names the binary)

streamd runs without the demo feed, so every price is one this test
published. Checks the position sizes against values worked out by hand for
EURUSD, USDJPY and XAUUSD, that the size moves with a published tick, that a
selected prepared payload's numbers are shown and size the ticket, and that
the ticket can place no order.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "clients" / "python" / "tests"))

import dashboard_test  # noqa: E402
from dashboard_test import (CDP, check, close_browser, console_errors, fail, fetch_root, open_page,  # noqa: E402
                            publish, spki_hash)
from streamd_server import Streamd  # noqa: E402

TICKET_JS = r"""
(() => {
  const v = (id) => document.getElementById(id);
  const num = (id) => (v(id).dataset.value === undefined ? null : Number(v(id).dataset.value));
  return {
    symbol: v('t-symbol').value,
    symbols: [...v('t-symbol').options].map((o) => o.value),
    bid: v('t-bid').textContent,
    ask: v('t-ask').textContent,
    riskAmount: num('t-risk-amount'),
    riskText: v('t-risk-amount').textContent,
    stopPips: num('t-stop-pips'),
    pipValue: num('t-pip-value'),
    lots: num('t-lots'),
    lotsText: v('t-lots').textContent,
    units: num('t-units'),
    error: v('t-error').textContent,
    stopMode: v('t-stop-mode').value,
    stop: v('t-stop').value,
    side: v('t-side').value,
    payload: v('t-payload').classList.contains('hidden') ? null : v('t-payload-text').textContent,
    state: document.getElementById('status').dataset.state,
  };
})()
"""


def set_ticket(cdp: CDP, **fields) -> None:
    """Sets ticket inputs the way a user does (value, then input/change events)."""
    ids = {"symbol": "t-symbol", "side": "t-side", "balance": "t-balance", "currency": "t-currency",
           "risk": "t-risk", "stop": "t-stop", "stop_mode": "t-stop-mode"}
    for key, value in fields.items():
        cdp.evaluate(f"""(() => {{ const e = document.getElementById({json.dumps(ids[key])});
            e.value = {json.dumps(str(value))};
            e.dispatchEvent(new Event('input', {{bubbles: true}}));
            e.dispatchEvent(new Event('change', {{bubbles: true}})); return e.value; }})()""")


def wait_ticket(cdp: CDP, predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = cdp.evaluate(TICKET_JS)
        if predicate(state):
            return state
        cdp.pump(0.1)
    return state


def main() -> int:
    server = Streamd()
    server.start()
    port, ca = server.port, server.ca
    trader = server.token("acct-1", "trader")
    feed = server.token("feed", "producer")
    origin = f"https://127.0.0.1:{port}"
    profile = tempfile.mkdtemp(prefix="ticket-chromium-")
    process = None
    cdp = None

    def tick(symbol: str, bid: float, ask: float) -> None:
        status = publish(port, ca, feed, {"channel": f"tick:{symbol}", "data": {
            "symbol": symbol, "bid": bid, "ask": ask, "spread": round(ask - bid, 5)}})
        if status != 200:
            raise RuntimeError(f"publish tick {symbol}: HTTP {status}")

    try:
        for path in ("/assets/ticket.js", "/assets/position-size.js"):
            status, _ = dashboard_test.fetch(port, ca, path)
            check(status == 200, f"GET {path}", str(status))
        _, _, _, der = fetch_root(port, ca)
        process, cdp = open_page(profile, spki_hash(der))
        cdp.call("Page.navigate", {"url": origin + "/"})
        cdp.wait_event("Page.loadEventFired", 20)
        cdp.evaluate(f"sessionStorage.setItem('streamd.token', {json.dumps(trader)}); true")
        cdp.call("Page.reload", {"ignoreCache": True})
        cdp.wait_event("Page.loadEventFired", 20)
        state = wait_ticket(cdp, lambda s: s["state"] == "connected", 20)
        check(state["state"] == "connected", "the dashboard is connected", state["state"])
        check(cdp.evaluate("document.querySelectorAll('#ticket [type=submit], #ticket .send, #ticket .order').length") == 0,
              "the ticket has no way to place an order")
        check(cdp.evaluate("(() => { const b = [...document.querySelectorAll('#ticket button')]; return b.map((x) => x.id); })()")
              == ["t-payload-clear"], "its only button clears a selected payload")

        tick("EURUSD", 1.10000, 1.10010)
        tick("USDJPY", 149.99, 150.01)
        tick("XAUUSD", 2000.00, 2000.50)

        # EURUSD, USD account: 10,000 × 1% = 100 USD at risk; 20 pips ×
        # 10 USD per pip per lot = 200 USD per lot → 0.50 lots (50,000 units).
        set_ticket(cdp, symbol="EURUSD", side="buy", balance=10000, currency="USD", risk=1, stop=20, stop_mode="pips")
        s = wait_ticket(cdp, lambda s: s["bid"] == "1.10000" and s["lots"] is not None)
        check(s["bid"] == "1.10000" and s["ask"] == "1.10010", "live bid and ask for the picked symbol", f"{s['bid']} {s['ask']}")
        check(s["riskAmount"] == 100 and s["riskText"] == "100.00 USD", "the risk amount is shown", s["riskText"])
        check(abs(s["pipValue"] - 10) < 1e-9 and s["lots"] == 0.5 and s["units"] == 50000,
              "EURUSD: 20 pips at 1% of 10,000 → 0.50 lots", json.dumps(s))

        # USDJPY: a pip is 1,000 JPY a lot = 1000 / 150 = 6.6667 USD at mid
        # 150.00; 25 pips → 100 / (25 × 6.6667) = 0.60 lots.
        set_ticket(cdp, symbol="USDJPY", stop=25)
        s = wait_ticket(cdp, lambda s: s["symbol"] == "USDJPY" and s["lots"] == 0.6)
        check(s["lots"] == 0.6 and abs(s["pipValue"] - 1000 / 150) < 1e-9 and s["bid"] == "149.990",
              "USDJPY: 25 pips at mid 150.00 → 0.60 lots", json.dumps(s))
        # A tick moves it: at mid 120.00 a pip is 8.3333 USD → 0.48 lots.
        tick("USDJPY", 119.99, 120.01)
        s = wait_ticket(cdp, lambda s: s["lots"] == 0.48)
        check(s["lots"] == 0.48 and s["bid"] == "119.990", "USDJPY: the size moves with a published tick (→ 0.48)",
              json.dumps(s))

        # XAUUSD: buy at the ask 2000.50 with the stop at 1990.50 = 10.00 =
        # 1,000 pips of 0.01; 100 oz a lot → 1 USD per pip; 2% of 10,000 =
        # 200 USD → 200 / 1000 = 0.20 lots (20 oz).
        set_ticket(cdp, symbol="XAUUSD", risk=2, stop_mode="price", stop=1990.5)
        s = wait_ticket(cdp, lambda s: s["symbol"] == "XAUUSD" and s["lots"] == 0.2)
        check(s["lots"] == 0.2 and abs(s["stopPips"] - 1000) < 1e-6 and s["units"] == 20 and s["riskAmount"] == 200,
              "XAUUSD: stop price 1990.50 from ask 2000.50, 2% → 0.20 lots", json.dumps(s))
        # The ask moves to 2005.50: 1,500 pips → 0.1333 → 0.13 lots.
        tick("XAUUSD", 2005.00, 2005.50)
        s = wait_ticket(cdp, lambda s: s["lots"] == 0.13)
        check(s["lots"] == 0.13 and abs(s["stopPips"] - 1500) < 1e-6, "XAUUSD: the size moves with a published tick (→ 0.13)",
              json.dumps(s))

        # A prepared payload: selecting its row shows its numbers and sizes
        # the ticket from its stop: 2005.50 − 1995.50 = 1,000 pips → 0.20 lots.
        status = publish(port, ca, feed, {"channel": "payload:acct-1", "data": {
            "payload_id": "PP-7", "symbol": "XAUUSD", "side": "buy", "volume": 0.3, "entry": 2005.5,
            "sl": 1995.5, "tp": 2025.5, "model": "test"}})
        check(status == 200, "publish a prepared payload", str(status))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not cdp.evaluate("!!document.querySelector('tr[data-payload-id=\"PP-7\"]')"):
            cdp.pump(0.1)
        cdp.evaluate("document.querySelector('tr[data-payload-id=\"PP-7\"]').click(); true")
        s = wait_ticket(cdp, lambda s: s["payload"] is not None and s["lots"] == 0.2)
        check(s["payload"] is not None and "PP-7" in s["payload"] and "0.30 lots" in s["payload"]
              and "SL 1,995.50" in s["payload"] and "TP 2,025.50" in s["payload"],
              "the selected payload's numbers are shown", str(s["payload"]))
        check(s["stopMode"] == "price" and float(s["stop"]) == 1995.5 and s["lots"] == 0.2 and s["side"] == "buy",
              "the payload's stop sizes the ticket (→ 0.20 lots)", json.dumps(s))

        shot = cdp.call("Page.captureScreenshot", {"format": "png"}, timeout=30)
        os.makedirs("test-artifacts", exist_ok=True)
        with open("test-artifacts/trading-panel.png", "wb") as out:
            out.write(base64.b64decode(shot["data"]))
        errors = console_errors(cdp.events)
        check(not errors, "no console errors", "; ".join(errors[:5]))
    except Exception as error:  # a crash of the harness counts as a failure
        fail("trading panel", f"{type(error).__name__}: {error}")
    finally:
        close_browser(cdp, process, profile)
        server.cleanup()

    print(f"trading: {dashboard_test.passed} passed, {dashboard_test.failed} failed", flush=True)
    return 0 if dashboard_test.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
