"""Drop-in replacement for the original `services.ws_broadcaster` functions.

    from streamd_client.broadcaster import configure, broadcast_tick, broadcast_signal

    configure("wss://stream.example:8443/ws", token_file="/run/secrets/feed.jwt",
              ca="/etc/streamd/ca.pem", account="acct-1")
    await broadcast_tick("EURUSD", 1.08500, 1.08503)
    await broadcast_signal({"symbol": "EURUSD", "side": "buy", "strength": 0.85, "confidence": 87.5})

The five coroutines keep the original signatures. The original had no account
argument for order updates and prepared payloads; here their channel is
`order:<account>` / `payload:<account>` where the account is
`data["account"]` when present, else the `account` given to configure().

One StreamPublisher per event loop is opened on first use and reused; each
call returns the PublishResult (seq, epoch) that the original's None became.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from .messages import PublishResult
from .publisher import StreamPublisher

_settings: dict[str, Any] | None = None
_account: str | None = None
_publishers: dict[asyncio.AbstractEventLoop, StreamPublisher] = {}


def configure(url: str, *, token: str | None = None, token_file: str | Path | None = None,
              ca: str | Path | None = None, account: str | None = None, timeout: float = 10.0) -> None:
    """Where and as whom the broadcast_* functions publish. Call it again to
    change it: open connections are replaced on next use."""
    global _settings, _account
    if (token is None) == (token_file is None):
        raise ValueError("give exactly one of token= or token_file=")
    _settings = {"url": url, "token": token, "token_file": token_file, "ca": ca, "timeout": timeout}
    _account = account
    old = list(_publishers.items())
    _publishers.clear()
    for loop, publisher in old:
        if not loop.is_closed():
            asyncio.run_coroutine_threadsafe(publisher.close(), loop)


async def _publisher() -> StreamPublisher:
    if _settings is None:
        raise RuntimeError("call streamd_client.broadcaster.configure(url, token=...) first")
    loop = asyncio.get_running_loop()
    publisher = _publishers.get(loop)
    if publisher is None:
        publisher = StreamPublisher(_settings["url"], token=_settings["token"], token_file=_settings["token_file"],
                                    ca=_settings["ca"], timeout=_settings["timeout"])
        await publisher.connect()
        _publishers[loop] = publisher
    return publisher


def _account_for(data: dict[str, Any], what: str) -> str:
    account = data.get("account", _account)
    if not isinstance(account, str) or not account:
        raise ValueError(f"{what}: no account (put 'account' in the data or pass account= to configure())")
    return account


async def broadcast_tick(symbol: str, bid: float, ask: float) -> PublishResult:
    return await (await _publisher()).broadcast_tick(symbol, bid, ask)


async def broadcast_signal(signal_data: dict[str, Any]) -> PublishResult:
    return await (await _publisher()).broadcast_signal(signal_data)


async def broadcast_order_update(order_data: dict[str, Any]) -> PublishResult:
    account = _account_for(order_data, "broadcast_order_update")
    return await (await _publisher()).broadcast_order_update(account, order_data)


async def broadcast_idea(idea_data: dict[str, Any]) -> PublishResult:
    return await (await _publisher()).broadcast_idea(idea_data)


async def broadcast_prepared_payload(payload_data: dict[str, Any]) -> PublishResult:
    account = _account_for(payload_data, "broadcast_prepared_payload")
    return await (await _publisher()).broadcast_prepared_payload(account, payload_data)


async def close() -> None:
    """Closes this event loop's connection (call before the loop ends)."""
    publisher = _publishers.pop(asyncio.get_running_loop(), None)
    if publisher is not None:
        await publisher.close()
