"""Third-party client check: Python `websockets` + `ssl` against streamd.

Asserts TLS 1.3, the 101 handshake, the welcome message, a JSON ping
operation, a protocol-level ping/pong, and a clean close handshake (1000).
With a producer token (fourth argument), also permessage-deflate (RFC 7692),
which `websockets` offers by default: the extension is agreed, the client's
compressed messages (websockets compresses every one it sends) are answered,
and a published 2 KB message arrives compressed (RSV1) and intact.
Prints one line per check and 'N passed, 0 failed' at the end.
"""
import asyncio
import json
import ssl
import sys
import urllib.request
from typing import Any, Callable

import websockets
from websockets.extensions.permessage_deflate import PerMessageDeflate


def big_signal(n: int) -> dict[str, Any]:
    """About 2 KB of signal-shaped JSON: repeated keys, varying numbers."""
    factors = [{"factor": f"f{i}", "score": round(0.1 + (i * 37 % 90) / 100, 2), "horizon": "1h"} for i in range(44)]
    return {"symbol": "EURUSD", "side": "buy", "strength": 0.8, "n": n, "factors": factors}


def metric(port: int, context: ssl.SSLContext, name: str) -> int:
    with urllib.request.urlopen(f"https://127.0.0.1:{port}/metrics", context=context, timeout=5) as answer:
        for line in answer.read().decode().splitlines():
            if line.startswith(name + " "):
                return int(float(line.split()[-1]))
    return -1


async def compression(port: int, context: ssl.SSLContext, token: str, publisher_token: str,
                      check: Callable[[str, bool, str], None]) -> None:
    url = f"wss://127.0.0.1:{port}/ws"
    async with websockets.connect(url, ssl=context, additional_headers={"Authorization": f"Bearer {token}"}) as sub, \
            websockets.connect(url, ssl=context, additional_headers={"Authorization": f"Bearer {publisher_token}"}) as pub:
        answer = sub.response.headers.get("Sec-WebSocket-Extensions", "") if sub.response else ""
        check("compression: permessage-deflate agreed", answer.startswith("permessage-deflate"), answer)
        check("compression: server_no_context_takeover answered", "server_no_context_takeover" in answer, answer)
        deflate = [e for e in sub.protocol.extensions if isinstance(e, PerMessageDeflate)]
        check("compression: websockets uses the extension", len(deflate) == 1, str(sub.protocol.extensions))
        check("compression: agreed for the publisher too",
              any(isinstance(e, PerMessageDeflate) for e in pub.protocol.extensions), str(pub.protocol.extensions))
        # Record the RSV1 bit of every data frame the subscriber receives, before it is inflated.
        compressed_frames: list[bool] = []
        decode = deflate[0].decode

        def recording_decode(frame: Any, *, max_size: int | None = None) -> Any:
            if frame.opcode.name in ("TEXT", "BINARY"):
                compressed_frames.append(bool(frame.rsv1))
            return decode(frame, max_size=max_size)

        deflate[0].decode = recording_decode  # type: ignore[method-assign]
        # And of every data frame the publisher sends, after it is deflated.
        sent_compressed: list[bool] = []
        publisher_deflate = next(e for e in pub.protocol.extensions if isinstance(e, PerMessageDeflate))
        encode = publisher_deflate.encode

        def recording_encode(frame: Any) -> Any:
            encoded = encode(frame)
            if encoded.opcode.name in ("TEXT", "BINARY"):
                sent_compressed.append(bool(encoded.rsv1))
            return encoded

        publisher_deflate.encode = recording_encode  # type: ignore[method-assign]
        for ws in (sub, pub):
            welcome = json.loads(await asyncio.wait_for(ws.recv(), 5))
            check("compression: welcome", welcome.get("type") == "welcome", str(welcome))
        # Sent compressed, like every message websockets sends here.
        await sub.send(json.dumps({"type": "subscribe", "id": "c1", "channels": ["signal:EURUSD"]}))
        subscribed = json.loads(await asyncio.wait_for(sub.recv(), 5))
        check("compression: compressed subscribe answered",
              subscribed.get("type") == "subscribed" and subscribed.get("id") == "c1", str(subscribed))
        before = metric(port, context, "streamd_compressed_frames_total")
        data = big_signal(1)
        publish = json.dumps({"type": "publish", "id": "c2", "channel": "signal:EURUSD", "data": data})
        check("compression: the publish is over 1 KB", len(publish) > 2000, str(len(publish)))
        compressed_frames.clear()  # the subscriber may read the message while the ack is awaited
        await pub.send(publish)
        ack = json.loads(await asyncio.wait_for(pub.recv(), 5))
        check("compression: compressed publish acknowledged", ack.get("type") == "ack" and ack.get("id") == "c2", str(ack))
        check("compression: the publish went out compressed (RSV1)", sent_compressed == [True], str(sent_compressed))
        message = json.loads(await asyncio.wait_for(sub.recv(), 5))
        check("compression: the 2 KB message arrives intact",
              message.get("channel") == "signal:EURUSD" and message.get("data") == data, str(message)[:200])
        check("compression: it arrived compressed (RSV1)", compressed_frames == [True], str(compressed_frames))
        after = metric(port, context, "streamd_compressed_frames_total")
        check("compression: the server counted the compressed frame", after == before + 1, f"{before} -> {after}")


async def main(port: int, ca: str, token: str, publisher_token: str | None = None) -> int:
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
    if publisher_token:
        await compression(port, context, token, publisher_token, check)
    print(f"interop: {passed} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3], *sys.argv[4:5])))
