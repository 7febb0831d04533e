"""After a kill -9 and restart: a trader recovers its order updates with `since`.

Usage: python_recovery_client.py PORT CA TOKEN SINCE LAST
Subscribes to order:acct-1 with since=SINCE and expects seq SINCE+1 .. LAST,
in order, each exactly once.
"""
import asyncio
import json
import ssl
import sys

import websockets


async def main(port: int, ca: str, token: str, since: int, last: int) -> int:
    context = ssl.create_default_context(cafile=ca)
    async with websockets.connect(f"wss://127.0.0.1:{port}/ws", ssl=context,
                                  additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert welcome["type"] == "welcome", welcome
        await ws.send(json.dumps({"type": "subscribe", "id": 1, "channels": ["order:acct-1"],
                                  "since": {"order:acct-1": since}}))
        answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert answer["type"] == "subscribed", answer
        seen = []
        while len(seen) < last - since:
            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert message["type"] == "order_update", message
            seen.append(message["seq"])
        expected = list(range(since + 1, last + 1))
        if seen != expected:
            raise SystemExit(f"FAIL recovered {seen}, expected {expected}")
    print(f"recovery: seq {since + 1}..{last} recovered on port {port}, in order, once each")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))))
