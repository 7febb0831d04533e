"""The connection life both the publisher and the subscriber share: open
once (errors raised to the caller), then in the background serve the
connection, and when it ends re-open it after a backoff delay, until close()
or a refusal that retrying cannot fix (401, 403, close 4001 or 4003)."""

from __future__ import annotations

import asyncio
import time
from types import TracebackType
from typing import TypeVar

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from ._transport import Backoff, is_fatal, stop_task
from .errors import ConnectionRefused

S = TypeVar("S", bound="ReconnectingSession")


class ReconnectingSession:
    _task_name = "streamd"

    def __init__(self, backoff: Backoff | None, stable_s: float) -> None:
        self.backoff = backoff or Backoff()
        self.stable_s = stable_s  # a connection that lived this long resets the backoff
        self._connection: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    async def __aenter__(self: S) -> S:
        await self.connect()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        await self.close()

    async def connect(self) -> None:
        """Opens the first connection: a refused token (AuthenticationError,
        PermissionDeniedError) or an unreachable server (OSError) is raised
        here. Later drops are retried in the background."""
        if self._task is not None:
            return
        await self._open()
        self._task = asyncio.create_task(self._supervise(), name=self._task_name)

    async def close(self) -> None:
        self._closing = True
        await stop_task(self._task)
        self._task = None
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
        self._on_closed()

    async def _supervise(self) -> None:
        attempt = 0
        while not self._closing:
            connection = self._connection
            if connection is not None:
                opened_at = time.monotonic()
                fatal = await self._serve(connection)
                self._connection = None
                self._on_lost()
                if fatal is not None:
                    return await self._on_fatal(fatal)
                if time.monotonic() - opened_at >= self.stable_s:
                    attempt = 0
            if self._closing:
                return
            self._on_reconnecting()
            await asyncio.sleep(self.backoff.delay(attempt))
            attempt += 1
            try:
                await self._open()
            except ConnectionRefused as error:
                if is_fatal(error):
                    return await self._on_fatal(error)
            except (OSError, asyncio.TimeoutError, ConnectionClosed):
                pass  # down or restarting: the next delay, then again

    # --- what each kind of session does -----------------------------------

    async def _open(self) -> None:
        """Connects (and sets self._connection) or raises."""
        raise NotImplementedError

    async def _serve(self, connection: ClientConnection) -> ConnectionRefused | None:
        """Reads until the connection ends; the refusal that ended it, if any."""
        raise NotImplementedError

    def _on_lost(self) -> None:
        """The connection ended (before a reconnect or the end)."""

    async def _on_fatal(self, error: ConnectionRefused) -> None:
        """Retrying would not help: tell the application."""

    def _on_reconnecting(self) -> None:
        """About to wait for the next attempt."""

    def _on_closed(self) -> None:
        """close() was called."""
