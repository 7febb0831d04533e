"""Third-party client check: Python `websockets` + `ssl` against streamd.

Asserts TLS 1.3, the 101 handshake, the welcome message, a JSON ping
operation, a protocol-level ping/pong, and a clean close handshake (1000).
Prints one line per check and 'N passed, 0 failed' at the end.
"""
import asyncio
import json
import ssl
import sys

import websockets


async def main(port: int, ca: str, token: str) -> int:
    context = ssl.create_default_context(cafile=ca)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    passed = 0

    def check(name: str, ok: bool, detail: str = "") -> None:
        nonlocal passed
        if not ok:
            raise SystemExit(f"FAIL {name} {detail}")
        passed += 1
        print(f"ok   {name}")

    # Without a token: 401 before the upgrade, with the RFC 6750 challenge.
    try:
        async with websockets.connect(f"wss://127.0.0.1:{port}/ws", ssl=context):
            raise SystemExit("FAIL connecting without a token succeeded")
    except websockets.exceptions.InvalidStatus as refusal:
        check("no token: 401", refusal.response.status_code == 401, str(refusal.response.status_code))
        check("no token: WWW-Authenticate Bearer",
              refusal.response.headers.get("WWW-Authenticate", "").startswith("Bearer"))

    # The browser way: the token as a subprotocol; the server answers stream.v1.
    async with websockets.connect(f"wss://127.0.0.1:{port}/ws", ssl=context,
                                  subprotocols=["stream.v1", f"bearer.{token}"]) as ws:
        tls_version = ws.transport.get_extra_info("ssl_object").version()
        check("TLS 1.3 negotiated", tls_version == "TLSv1.3", tls_version)
        check("subprotocol stream.v1 answered", ws.subprotocol == "stream.v1", str(ws.subprotocol))
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 5))
        check("welcome first", welcome.get("type") == "welcome", str(welcome))
        check("welcome names the subject", welcome["data"].get("subject") == "acct-1", str(welcome))
        await ws.send(json.dumps({"type": "ping", "id": 11}))
        pong = json.loads(await asyncio.wait_for(ws.recv(), 5))
        check("JSON ping answered with pong", pong.get("type") == "pong" and pong.get("id") == 11, str(pong))
        waiter = await ws.ping(b"interop")
        await asyncio.wait_for(waiter, 5)
        check("protocol ping answered with pong", True)
        await ws.close(code=1000, reason="done")
        check("close handshake completed with 1000", ws.close_code == 1000, str(ws.close_code))
    print(f"interop: {passed} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3])))
