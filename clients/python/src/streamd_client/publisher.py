"""StreamPublisher: one persistent wss connection, pipelined publishes.

Each publish is sent at once with its own id and awaits its `ack` (or
`error`), so many may be in flight. When the connection drops, the publisher
reconnects with backoff; a publish still waiting for its answer is then sent
again only if it carries an idempotency key (the server answers a repeat with
the original seq and `duplicate: true`). Without a key its outcome is unknown
and it fails with PublishOutcomeUnknown rather than risk a second copy.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from ._session import ReconnectingSession
from ._transport import (Backoff, TokenSource, heartbeat, heartbeat_interval, open_connection, refusal_from_close,
                         ssl_context)
from .errors import ConnectionRefused, PublishOutcomeUnknown, StreamdError, UnavailableError, error_for
from .messages import PublishResult, data_of

MAX_IDEMPOTENCY_KEY_BYTES = 128


@dataclass
class _Pending:
    op: dict[str, Any]
    future: asyncio.Future[PublishResult]
    sent_on: int = 0  # connection generation it was last written to (0: not written)
    ever_written: bool = False

    @property
    def keyed(self) -> bool:
        return "idempotency_key" in self.op


def _decimals(value: float) -> int:
    text = repr(float(value))
    if "e" in text or "E" in text:
        return 10
    return len(text.split(".", 1)[1]) if "." in text else 0


def tick_data(symbol: str, bid: float, ask: float) -> dict[str, Any]:
    """The original's tick: spread = ask - bid, rounded to the decimals of the
    quotes (so 1.08503 - 1.08500 is 0.00003, not 3.0000000000030003e-05)."""
    places = min(10, max(_decimals(bid), _decimals(ask)))
    return {"symbol": symbol, "bid": bid, "ask": ask, "spread": round(ask - bid, places)}


def rfc3339(moment: datetime | str) -> str:
    """An RFC 3339 time with milliseconds and Z, as the server writes them."""
    if isinstance(moment, str):
        return moment
    if moment.tzinfo is None:
        raise ValueError("valid_until must be timezone-aware (use datetime.now(timezone.utc))")
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _symbol_of(data: dict[str, Any], what: str) -> str:
    symbol = data.get("symbol")
    if not isinstance(symbol, str) or not symbol:
        raise ValueError(f"{what} needs a string 'symbol' (it names the channel)")
    return symbol


def check_idempotency_key(key: str) -> None:
    raw = key.encode("utf-8", "replace")
    if not 1 <= len(raw) <= MAX_IDEMPOTENCY_KEY_BYTES or not all(0x21 <= b <= 0x7E for b in raw):
        raise ValueError("idempotency_key must be 1..128 printable ASCII characters without spaces")


class StreamPublisher(ReconnectingSession):
    """Publishes to streamd over one wss connection.

        async with StreamPublisher("wss://stream.example:8443/ws", token_file="feed.jwt", ca="ca.pem") as pub:
            result = await pub.broadcast_tick("EURUSD", 1.08500, 1.08503)
            print(result.seq, result.epoch)
    """

    def __init__(self, url: str, *, token: str | None = None, token_file: str | Path | None = None,
                 ca: str | Path | None = None, timeout: float = 10.0, open_timeout: float = 10.0,
                 heartbeat_s: float | None = None, backoff: Backoff | None = None) -> None:
        super().__init__(backoff, stable_s=30.0)
        self.url = url
        self._tokens = TokenSource(token, token_file)
        self._ssl = ssl_context(url, ca)
        self.timeout = timeout
        self.open_timeout = open_timeout
        self._heartbeat_override = heartbeat_s

        self._generation = 0
        self._ready = asyncio.Event()
        self._lost = asyncio.Event()  # set when the current connection ends
        self._inflight: OrderedDict[int, _Pending | None] = OrderedDict()  # id → publish (None: a ping)
        self._next_id = 1
        self._fatal: BaseException | None = None
        self._last_received = 0.0
        self.welcome: dict[str, Any] = {}

    _task_name = "streamd-publisher"

    @property
    def reconnects(self) -> int:
        """Connections opened after the first."""
        return max(0, self._generation - 1)

    @property
    def is_connected(self) -> bool:
        return self._ready.is_set() and self._connection is not None

    # --- publishing ----------------------------------------------------------

    async def publish(self, channel: str, data: dict[str, Any], *, idempotency_key: str | None = None,
                      valid_until: datetime | str | None = None) -> PublishResult:
        """Publishes `data` on `channel` and returns its seq (and epoch).
        Raises ForbiddenError, RateLimitedError, BadRequestError,
        UnavailableError (each with .code), PublishOutcomeUnknown, or
        ConnectionRefused when the server no longer accepts this token."""
        if not isinstance(data, dict):
            raise TypeError("data must be a dict (a JSON object)")
        op: dict[str, Any] = {"type": "publish", "channel": channel, "data": data}
        if idempotency_key is not None:
            check_idempotency_key(idempotency_key)
            op["idempotency_key"] = idempotency_key
        if valid_until is not None:
            op["valid_until"] = rfc3339(valid_until)
        deadline = time.monotonic() + self.timeout
        pending = _Pending(op=op, future=asyncio.get_running_loop().create_future())
        op_id = self._next_id
        self._next_id += 1
        op["id"] = op_id
        self._inflight[op_id] = pending
        try:
            while True:
                await self._send_when_ready(pending, deadline)
                if pending.future.done():
                    return pending.future.result()
                # Wait for the answer, or for the loss of the connection it
                # was written to (then a keyed publish goes round again).
                lost = asyncio.ensure_future(self._lost.wait())
                either: set[asyncio.Future[Any]] = {pending.future, lost}
                try:
                    await asyncio.wait(either, timeout=max(0.0, deadline - time.monotonic()),
                                       return_when=asyncio.FIRST_COMPLETED)
                finally:
                    lost.cancel()
                if pending.future.done():
                    return pending.future.result()
                if time.monotonic() >= deadline:
                    raise asyncio.TimeoutError
        except asyncio.TimeoutError:
            if not pending.ever_written:
                raise UnavailableError(f"not sent: no connection to the server within {self.timeout:g} s",
                                       code="unavailable") from None
            raise PublishOutcomeUnknown(
                f"no answer within {self.timeout:g} s for {channel}"
                + ("; retrying with the same idempotency_key is safe" if pending.keyed else "")) from None
        finally:
            self._inflight.pop(op_id, None)

    async def _send_when_ready(self, pending: _Pending, deadline: float) -> None:
        if self._fatal is not None:
            raise self._fatal
        if self._task is None and not self._closing:
            raise StreamdError("call connect() (or use `async with`) first", code="not_connected")
        while not pending.future.done():
            left = deadline - time.monotonic()
            if left <= 0:
                raise asyncio.TimeoutError
            if not self._ready.is_set():
                await asyncio.wait_for(self._ready.wait(), left)
                if self._fatal is not None:
                    raise self._fatal
                continue
            connection = self._connection
            if connection is None:
                self._ready.clear()
                continue
            if pending.sent_on == self._generation:
                return
            lost = self._lost
            try:
                await connection.send(json.dumps(pending.op, separators=(",", ":")))
                pending.sent_on = self._generation
                pending.ever_written = True
                return
            except ConnectionClosed:
                # Not written: safe to send again on the next connection, key
                # or not. Wait until the supervisor has noticed the loss.
                await asyncio.wait_for(lost.wait(), max(0.0, deadline - time.monotonic()))

    async def broadcast_tick(self, symbol: str, bid: float, ask: float, *,
                             idempotency_key: str | None = None) -> PublishResult:
        """`tick:<symbol>` with symbol, bid, ask and spread."""
        return await self.publish(f"tick:{symbol}", tick_data(symbol, bid, ask), idempotency_key=idempotency_key)

    async def broadcast_signal(self, data: dict[str, Any], *, idempotency_key: str | None = None,
                               valid_until: datetime | str | None = None) -> PublishResult:
        """`signal:<data['symbol']>`."""
        return await self.publish(f"signal:{_symbol_of(data, 'a signal')}", data,
                                  idempotency_key=idempotency_key, valid_until=valid_until)

    async def broadcast_idea(self, data: dict[str, Any], *, idempotency_key: str | None = None,
                             valid_until: datetime | str | None = None) -> PublishResult:
        """`idea:<data['symbol']>`."""
        return await self.publish(f"idea:{_symbol_of(data, 'an idea')}", data,
                                  idempotency_key=idempotency_key, valid_until=valid_until)

    async def broadcast_order_update(self, account: str, data: dict[str, Any], *,
                                     idempotency_key: str | None = None) -> PublishResult:
        """`order:<account>`: private to that account's subscribers."""
        return await self.publish(f"order:{account}", data, idempotency_key=idempotency_key)

    async def broadcast_prepared_payload(self, account: str, data: dict[str, Any], *,
                                         idempotency_key: str | None = None,
                                         valid_until: datetime | str | None = None) -> PublishResult:
        """`payload:<account>`: private to that account's subscribers."""
        return await self.publish(f"payload:{account}", data, idempotency_key=idempotency_key,
                                  valid_until=valid_until)

    # --- connection ------------------------------------------------------------

    async def _open(self) -> None:
        connection, welcome = await open_connection(self.url, self._tokens.get(), self._ssl, self.open_timeout)
        self._connection = connection
        self.welcome = welcome
        self._lost = asyncio.Event()
        self._generation += 1
        self._last_received = time.monotonic()
        self._ready.set()

    def _on_lost(self) -> None:
        self._ready.clear()
        self._connection_lost()
        self._lost.set()

    async def _on_fatal(self, error: ConnectionRefused) -> None:
        self._set_fatal(error)

    def _on_closed(self) -> None:
        self._fail_all(StreamdError("the publisher was closed", code="closed"))

    async def _serve(self, connection: ClientConnection) -> ConnectionRefused | None:
        """Reads answers until the connection ends; pings meanwhile."""
        beat = asyncio.create_task(heartbeat(
            connection, heartbeat_interval(self.welcome, self._heartbeat_override), lambda: self._last_received,
            self._ping))
        try:
            async for raw in connection:
                self._last_received = time.monotonic()
                self._answer(raw)
        except ConnectionClosed as closed:
            return refusal_from_close(closed)
        finally:
            beat.cancel()
        return None

    def _ping(self) -> str:
        ping_id = self._next_id
        self._next_id += 1
        self._inflight[ping_id] = None
        return json.dumps({"type": "ping", "id": ping_id})

    def _answer(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        kind = message.get("type")
        if kind not in ("ack", "error", "pong"):
            return
        op_id = message.get("id")
        if op_id is None and kind == "error" and self._inflight:
            # streamd answers a rate-limited message with an error without an
            # id; answers come in request order, so it is the oldest waiting.
            op_id = next(iter(self._inflight))
        if not isinstance(op_id, int) or op_id not in self._inflight:
            return
        pending = self._inflight.pop(op_id)
        if pending is None or pending.future.done():
            return
        data = data_of(message)
        if kind == "ack":
            epoch = data.get("epoch")
            pending.future.set_result(PublishResult(
                channel=pending.op["channel"], seq=int(data.get("seq", 0)),
                epoch=epoch if isinstance(epoch, str) else None, duplicate=data.get("duplicate") is True))
        elif kind == "error":
            pending.future.set_exception(error_for(str(data.get("code", "error")), str(data.get("message", ""))))

    def _connection_lost(self) -> None:
        """Publishes written to the lost connection: keyed ones are sent again
        after the reconnect, the others fail (their outcome is unknown)."""
        for op_id, pending in list(self._inflight.items()):
            if pending is None:
                del self._inflight[op_id]
            elif pending.sent_on == self._generation and not pending.keyed and not pending.future.done():
                pending.future.set_exception(PublishOutcomeUnknown(
                    f"the connection was lost before {pending.op['channel']} was acknowledged; "
                    "give an idempotency_key to make such publishes retryable"))
        # Keyed and unsent publishes: _send_when_ready writes them again once
        # _ready is set with the new generation.
        for pending in self._inflight.values():
            if pending is not None and pending.keyed:
                pending.sent_on = 0

    def _set_fatal(self, error: BaseException) -> None:
        self._fatal = error
        self._fail_all(error)
        self._ready.set()  # wake waiting publishers so they see the error

    def _fail_all(self, error: BaseException) -> None:
        for pending in self._inflight.values():
            if pending is not None and not pending.future.done():
                pending.future.set_exception(error)
