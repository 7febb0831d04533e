"""Recovery against the real binary, with a real kill -9 (driven by scripts/interop-test.sh).

Usage: python_recovery_scenarios.py PHASE PORT CA PUBLISHER_TOKEN TRADER_TOKEN STATE_FILE [SERVER_PID]

Phases:
  before-kill   publish order updates 1..5 (each with an idempotency key) and signals 1..5, remember the epochs
  after-kill    orders: same epoch, an exact continuation, the keys survived; signals (kept in memory only):
                seven more in a new epoch, and a client at the old (epoch, 5) is told epoch_changed and gets 1..7
  fill N        publish N more order updates over HTTPS, in batches
  deep-replay   replay everything from seq 0 to a slow reader with a 4 KiB receive buffer:
                all in order, no 4008; prints messages/s and the server's RSS growth
"""
import asyncio
import http.client
import json
import socket
import ssl
import sys
import time

import websockets


def publish_https(port: int, ca: str, token: str, items: list) -> list:
    context = ssl.create_default_context(cafile=ca)
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
    connection.request("POST", "/api/v1/publish", body=json.dumps(items),
                       headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    response = connection.getresponse()
    body = response.read().decode()
    if response.status != 200:
        raise SystemExit(f"FAIL publish answered {response.status}: {body}")
    return json.loads(body)["results"]


def order(n: int, pad: int = 0) -> dict:
    return {"channel": "order:acct-1", "data": {"order_id": f"o{n}", "status": "filled", "n": n, "pad": "x" * pad},
            "idempotency_key": f"o{n}-filled"}


def signal(n: int) -> dict:
    return {"channel": "signal:EURUSD", "data": {"symbol": "EURUSD", "side": "buy", "n": n}}


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def connect(port: int, ca: str, token: str, receive_buffer: int | None = None):
    context = ssl.create_default_context(cafile=ca)
    sock = None
    if receive_buffer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.connect(("127.0.0.1", port))
    ws = await websockets.connect(f"wss://127.0.0.1:{port}/ws", ssl=context, sock=sock, max_queue=4,
                                  server_hostname="127.0.0.1" if sock else None,
                                  additional_headers={"Authorization": f"Bearer {token}"})
    welcome = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert welcome["type"] == "welcome", welcome
    return ws


async def subscribe(ws, since: dict) -> None:
    await ws.send(json.dumps({"type": "subscribe", "id": 1, "channels": ["order:acct-1"], "since": since}))
    answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert answer["type"] == "subscribed", answer


async def before_kill(port, ca, publisher, trader, state_file, _pid):
    results = publish_https(port, ca, publisher, [order(n) for n in range(1, 6)])
    assert [r["seq"] for r in results] == [1, 2, 3, 4, 5], results
    epochs = {r["epoch"] for r in results}
    assert len(epochs) == 1, results
    signals = publish_https(port, ca, publisher, [signal(n) for n in range(1, 6)])
    with open(state_file, "w") as f:
        json.dump({"epoch": epochs.pop(), "last": 5, "signal_epoch": signals[-1]["epoch"]}, f)
    print(f"recovery: published seq 1..5 in epoch {results[0]['epoch']}")


async def after_kill(port, ca, publisher, trader, state_file, _pid):
    state = json.load(open(state_file))
    retry = publish_https(port, ca, publisher, [order(5)])[0]
    if retry != {"channel": "order:acct-1", "seq": 5, "epoch": state["epoch"], "duplicate": True}:
        raise SystemExit(f"FAIL a retried key after kill -9 was not answered with the original: {retry}")
    ws = await connect(port, ca, trader)
    await subscribe(ws, {"order:acct-1": {"seq": 2, "epoch": state["epoch"]}})
    seen = []
    while len(seen) < 3:
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if message["type"] != "order_update":
            raise SystemExit(f"FAIL expected an exact continuation, got {message}")
        seen.append((message["seq"], message["epoch"]))
    if seen != [(3, state["epoch"]), (4, state["epoch"]), (5, state["epoch"])]:
        raise SystemExit(f"FAIL recovered {seen}")
    following = publish_https(port, ca, publisher, [order(6)])[0]
    if (following["seq"], following["epoch"]) != (6, state["epoch"]):
        raise SystemExit(f"FAIL numbering after kill -9: {following}")
    live = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert (live["seq"], live["epoch"]) == (6, state["epoch"]), live
    await ws.close()
    print(f"recovery: after kill -9 the same epoch, seq 3..5 replayed exactly, the retried key answered as a duplicate, seq 6 next")

    # The restart scenario, on a channel kept in memory only.
    fresh = publish_https(port, ca, publisher, [signal(n) for n in range(101, 108)])
    assert [r["seq"] for r in fresh] == list(range(1, 8)), fresh
    new_epoch = fresh[0]["epoch"]
    assert new_epoch != state["signal_epoch"], fresh
    ws = await connect(port, ca, trader)
    await ws.send(json.dumps({"type": "subscribe", "id": 1, "channels": ["signal:EURUSD"],
                              "since": {"signal:EURUSD": {"seq": 5, "epoch": state["signal_epoch"]}}}))
    answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert answer["type"] == "subscribed", answer
    notice = json.loads(await asyncio.wait_for(ws.recv(), 5))
    data = notice.get("data", {})
    if notice["type"] != "recovery_failed" or data.get("reason") != "epoch_changed" or data.get("epoch") != new_epoch \
            or data.get("replay_from") != 1 or data.get("last_seq") != 7:
        raise SystemExit(f"FAIL a since across a restart was not epoch_changed: {notice}")
    got = [json.loads(await asyncio.wait_for(ws.recv(), 5)) for _ in range(7)]
    if [(m["seq"], m["epoch"], m["data"]["n"]) for m in got] != [(n, new_epoch, 100 + n) for n in range(1, 8)]:
        raise SystemExit(f"FAIL the new epoch was not replayed whole: {got}")
    await ws.close()
    with open(state_file, "w") as f:
        json.dump({"epoch": state["epoch"], "last": 6}, f)
    print("recovery: signals after the restart: epoch_changed at (old epoch, 5), then the new epoch's 1..7, none skipped")


async def fill(port, ca, publisher, trader, state_file, _pid, count):
    state = json.load(open(state_file))
    first = state["last"] + 1
    started = time.monotonic()
    for start in range(first, first + count, 1000):
        items = [order(n, pad=100) for n in range(start, min(start + 1000, first + count))]
        publish_https(port, ca, publisher, items)
    state["last"] = first + count - 1
    with open(state_file, "w") as f:
        json.dump(state, f)
    print(f"recovery: published {count} order updates over HTTPS in {time.monotonic() - started:.1f} s")


async def deep_replay(port, ca, publisher, trader, state_file, pid):
    state = json.load(open(state_file))
    last = state["last"]
    rss_before = rss_kib(pid)
    rss_peak = rss_before
    ws = await connect(port, ca, trader, receive_buffer=4096)
    await subscribe(ws, {"order:acct-1": {"seq": 0, "epoch": state["epoch"]}})
    started = time.monotonic()
    expected = 1
    while expected <= last:
        message = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if message.get("type") != "order_update" or message["seq"] != expected or message["epoch"] != state["epoch"]:
            raise SystemExit(f"FAIL at seq {expected}: {str(message)[:200]}")
        if expected % 5000 == 0:
            rss_peak = max(rss_peak, rss_kib(pid))
        if expected <= 20000 and expected % 1000 == 0:
            await asyncio.sleep(0.05)  # a slow reader for the first 20,000
        expected += 1
    elapsed = time.monotonic() - started
    rss_peak = max(rss_peak, rss_kib(pid))
    await ws.close()
    growth_mib = (rss_peak - rss_before) / 1024
    print(f"recovery: deep replay of {last} order updates from disk in {elapsed:.1f} s "
          f"({last / elapsed:,.0f} messages/s to one Python reader); server RSS {rss_before / 1024:.1f} MiB before, "
          f"peak {rss_peak / 1024:.1f} MiB (+{growth_mib:.1f} MiB); no 4008")
    if growth_mib > 16:
        raise SystemExit(f"FAIL server RSS grew {growth_mib:.1f} MiB during the replay (bound: 4 x limits.max_outbound_bytes)")


def main() -> int:
    phase, port, ca, publisher, trader, state_file = sys.argv[1:7]
    rest = sys.argv[7:]
    port = int(port)
    if phase == "before-kill":
        asyncio.run(before_kill(port, ca, publisher, trader, state_file, None))
    elif phase == "after-kill":
        asyncio.run(after_kill(port, ca, publisher, trader, state_file, None))
    elif phase == "fill":
        asyncio.run(fill(port, ca, publisher, trader, state_file, None, int(rest[0])))
    elif phase == "deep-replay":
        asyncio.run(deep_replay(port, ca, publisher, trader, state_file, int(rest[0])))
    else:
        raise SystemExit(f"unknown phase {phase}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
