"""StreamSubscriber: the Python counterpart of the original `useWebSocket` hook.

    async with StreamSubscriber(url, token=token, ca="ca.pem",
                                channels=["tick:EURUSD", "order:acct-1"]) as sub:
        async for message in sub:
            print(message.channel, message.seq, message.data)

It keeps `is_connected`, `last_message` and `message_history` as the hook
did, reconnects with exponential backoff and full jitter, sends the protocol
heartbeat, and resubscribes with `since` so nothing is missed or repeated.
What the server cannot replay is never skipped in silence: each
`recovery_failed` notice goes to `on_recovery_failed`, or, without that
callback, is raised from the iteration as RecoveryFailedError (iterate
again to go on).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from pathlib import Path
from typing import Any, Callable, Union

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from ._session import ReconnectingSession
from ._transport import (Backoff, TokenSource, heartbeat, heartbeat_interval, open_connection, refusal_from_close,
                         ssl_context)
from .errors import ConnectionRefused, RecoveryFailedError
from .messages import EpochChange, Message, RecoveryFailure, data_of
from .positions import Positions, resume_by_default

log = logging.getLogger("streamd_client")

_END = object()
_Item = Union[Message, BaseException, object]


class StreamSubscriber(ReconnectingSession):
    def __init__(self, url: str, *, channels: list[str], token: str | None = None,
                 token_file: str | Path | None = None, ca: str | Path | None = None, history: int = 100,
                 on_message: Callable[[Message], None] | None = None,
                 on_recovery_failed: Callable[[RecoveryFailure], None] | None = None,
                 on_epoch_change: Callable[[EpochChange], None] | None = None,
                 on_state: Callable[[str], None] | None = None,
                 resume: Callable[[str], bool] = resume_by_default,
                 backoff: Backoff | None = None, heartbeat_s: float | None = None,
                 open_timeout: float = 10.0, stable_s: float = 30.0, queue_size: int = 10_000) -> None:
        if not channels:
            raise ValueError("channels must name at least one channel or pattern")
        super().__init__(backoff, stable_s)
        self.url = url
        self.channels = list(channels)
        self._tokens = TokenSource(token, token_file)
        self._ssl = ssl_context(url, ca)
        self.on_message = on_message
        self.on_recovery_failed = on_recovery_failed
        self.on_epoch_change = on_epoch_change
        self.on_state = on_state
        self._heartbeat_override = heartbeat_s
        self.open_timeout = open_timeout

        self.positions = Positions(resume)
        self.last_message: Message | None = None
        self.message_history: deque[Message] = deque(maxlen=history)
        self.recovery_failures: list[RecoveryFailure] = []
        self.epoch_changes: list[EpochChange] = []
        self.granted: list[str] = []
        self.denied: list[dict[str, Any]] = []
        self.welcome: dict[str, Any] = {}
        self.state = "idle"
        self.connections = 0

        self._queue: asyncio.Queue[_Item] = asyncio.Queue(maxsize=queue_size)
        self._subscribed_at: str | None = None
        self._last_received = 0.0

    # --- the hook's state ------------------------------------------------------

    @property
    def is_connected(self) -> bool:
        return self.state == "connected"

    def _set_state(self, state: str) -> None:
        self.state = state
        if self.on_state is not None:
            self._call(self.on_state, state)

    # --- lifecycle ---------------------------------------------------------------

    _task_name = "streamd-subscriber"

    def _on_closed(self) -> None:
        self._set_state("closed")
        self._offer_nowait(_END)

    async def _on_fatal(self, error: ConnectionRefused) -> None:
        self._set_state("closed")
        await self._queue.put(error)
        await self._queue.put(_END)

    def _on_reconnecting(self) -> None:
        self._set_state("reconnecting")

    def __aiter__(self) -> "StreamSubscriber":
        return self

    async def __anext__(self) -> Message:
        item = await self._queue.get()
        if item is _END:
            self._offer_nowait(_END)  # later iterations end too
            raise StopAsyncIteration
        if isinstance(item, BaseException):
            raise item
        assert isinstance(item, Message)
        return item

    async def recv(self, timeout: float | None = None) -> Message:
        """The next message (raises asyncio.TimeoutError after `timeout`)."""
        return await asyncio.wait_for(self.__anext__(), timeout)

    # --- connection ------------------------------------------------------------------

    async def _open(self) -> None:
        self._set_state("connecting")
        connection, welcome = await open_connection(self.url, self._tokens.get(), self._ssl, self.open_timeout)
        self._connection = connection
        self.welcome = welcome
        self.connections += 1
        self._last_received = time.monotonic()
        request = self.positions.subscribe_request(self.channels, self._subscribed_at)
        request["id"] = self.connections
        await connection.send(json.dumps(request, separators=(",", ":")))
        self._set_state("connected")

    async def _serve(self, connection: ClientConnection) -> ConnectionRefused | None:
        beat = asyncio.create_task(heartbeat(
            connection, heartbeat_interval(self.welcome, self._heartbeat_override), lambda: self._last_received,
            lambda: '{"type":"ping"}'))
        try:
            async for raw in connection:
                self._last_received = time.monotonic()
                await self._receive(raw)
        except ConnectionClosed as closed:
            return refusal_from_close(closed)
        finally:
            beat.cancel()
        return None

    # --- messages ----------------------------------------------------------------------

    async def _receive(self, raw: str | bytes) -> None:
        try:
            obj = json.loads(raw)
        except ValueError:
            log.warning("streamd: a message that is not JSON was ignored")
            return
        if not isinstance(obj, dict):
            return
        kind = obj.get("type")
        data = data_of(obj)
        if kind == "subscribed":
            self.granted = [c for c in data.get("channels", []) if isinstance(c, str)]
            self.denied = [d for d in data.get("denied", []) if isinstance(d, dict)]
            self._subscribed_at = str(obj.get("timestamp", "")) or self._subscribed_at
            return
        if kind == "recovery_failed":
            failure = RecoveryFailure.from_json(obj)
            change = self.positions.recovery_failed(failure)
            if change is not None:
                self._epoch_changed(change)
            await self._recovery_failed(failure)
            return
        if kind == "error":
            log.warning("streamd: server error %s: %s", data.get("code"), data.get("message"))
            return
        if isinstance(obj.get("channel"), str) and isinstance(obj.get("seq"), int):
            message = Message.from_json(obj)
            accepted = self.positions.accept(message, self.channels)
            if accepted.epoch_change is not None:
                # No notice came first: the old epoch's tail may be lost.
                change = accepted.epoch_change
                self._epoch_changed(change)
                await self._recovery_failed(RecoveryFailure(
                    channel=change.channel, reason="epoch_changed", since=change.last_seq,
                    since_epoch=change.old_epoch, epoch=change.new_epoch, last_seq=None,
                    replay_from=message.seq, timestamp=message.timestamp))
            if not accepted.deliver:
                return
            self.last_message = message
            self.message_history.append(message)
            if self.on_message is not None:
                self._call(self.on_message, message)
            await self._queue.put(message)

    def _epoch_changed(self, change: EpochChange) -> None:
        self.epoch_changes.append(change)
        if self.on_epoch_change is not None:
            self._call(self.on_epoch_change, change)

    async def _recovery_failed(self, failure: RecoveryFailure) -> None:
        self.recovery_failures.append(failure)
        log.warning("streamd: recovery failed on %s: %s", failure.channel, failure.reason)
        if self.on_recovery_failed is not None:
            self._call(self.on_recovery_failed, failure)
        else:
            await self._queue.put(RecoveryFailedError(failure))

    def _call(self, callback: Callable[[Any], None], value: Any) -> None:
        try:
            callback(value)
        except Exception:  # an application bug must not kill the connection
            log.exception("streamd: callback %r raised", callback)

    def _offer_nowait(self, item: _Item) -> None:
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            pass
