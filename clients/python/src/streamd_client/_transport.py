"""Opening one authenticated wss connection, and the reconnect backoff.

The token travels in an `Authorization: Bearer` header (never in the URL).
A token file is read again before every connection, so a rotated token is
picked up by the next reconnect.
"""

from __future__ import annotations

import asyncio
import json
import random
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.version import version as websockets_version

from .errors import AuthenticationError, ConnectionRefused, PermissionDeniedError, TokenExpiredError
from .messages import data_of

_WEBSOCKETS_MAJOR = int(websockets_version.split(".")[0])


class TokenSource:
    """A fixed token, or a file read again at every connection."""

    def __init__(self, token: str | None, token_file: str | Path | None) -> None:
        if (token is None) == (token_file is None):
            raise ValueError("give exactly one of token= or token_file=")
        self._token = token
        self._file = Path(token_file) if token_file is not None else None

    def get(self) -> str:
        if self._file is not None:
            text = self._file.read_text(encoding="utf-8").strip()
            if not text:
                raise ValueError(f"{self._file}: the token file is empty")
            return text
        assert self._token is not None
        return self._token


def ssl_context(url: str, ca: str | Path | None) -> ssl.SSLContext | None:
    """TLS for wss:// URLs: the system trust store, or only `ca` when given."""
    if not url.startswith("wss://"):
        if ca is not None:
            raise ValueError("ca= is only meaningful for wss:// URLs")
        return None
    context = ssl.create_default_context(cafile=str(ca) if ca is not None else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


@dataclass
class Backoff:
    """Exponential backoff with full jitter: a uniform delay in
    [0, min(max_s, initial_s * factor**attempt))."""

    initial_s: float = 0.5
    factor: float = 2.0
    max_s: float = 30.0

    def delay(self, attempt: int) -> float:
        ceiling = min(self.max_s, self.initial_s * self.factor ** min(attempt, 32))
        return random.uniform(0, ceiling)


def refusal_from_status(error: InvalidStatus) -> ConnectionRefused:
    """The typed error for a refused upgrade, with the server's JSON body when present."""
    status = error.response.status_code
    code = None
    message = f"HTTP {status}"
    try:
        body = json.loads(bytes(error.response.body or b"").decode("utf-8"))
        code = body.get("error")
        message = f"HTTP {status}: {body.get('message') or code or ''}".rstrip(": ")
    except (ValueError, AttributeError):
        pass
    if status == 401:
        return AuthenticationError(message, status=status, code=code or "unauthorized")
    if status == 403:
        return PermissionDeniedError(message, status=status, code=code or "forbidden")
    return ConnectionRefused(message, status=status, code=code or f"http_{status}")


def refusal_from_close(error: ConnectionClosed) -> ConnectionRefused | None:
    """The typed error for a close code that means "do not reconnect", else None."""
    code = error.rcvd.code if error.rcvd is not None else None
    reason = error.rcvd.reason if error.rcvd is not None else ""
    if code == 4001:
        return TokenExpiredError(f"closed 4001: {reason or 'token expired'}", close_code=code)
    if code == 4003:
        return PermissionDeniedError(f"closed 4003: {reason or 'permission withdrawn'}", close_code=code)
    return None


def is_fatal(error: ConnectionRefused) -> bool:
    """401, 403 and other 4xx will not change by retrying; 429 and 5xx may."""
    if error.status is None:
        return True
    return 400 <= error.status < 500 and error.status != 429


async def open_connection(url: str, token: str, context: ssl.SSLContext | None,
                          open_timeout: float) -> tuple[ClientConnection, dict[str, Any]]:
    """Connects, upgrades and waits for `welcome`. Returns the connection and
    the welcome's data. A refused upgrade raises a ConnectionRefused subclass
    carrying the HTTP status."""
    options: dict[str, Any] = {
        "ssl": context,
        "additional_headers": {"Authorization": f"Bearer {token}"},
        "open_timeout": open_timeout,
        "ping_interval": None,  # the protocol heartbeat (ping operations) is used instead
        "max_size": 16 * 1024 * 1024,
        "compression": "deflate",
    }
    if _WEBSOCKETS_MAJOR >= 15:
        options["proxy"] = None  # loopback and internal servers: never through an env proxy
    try:
        connection = await connect(url, **options)
    except InvalidStatus as error:
        raise refusal_from_status(error) from None
    try:
        raw = await _recv_with_timeout(connection, open_timeout)
        welcome = json.loads(raw)
        if not isinstance(welcome, dict) or welcome.get("type") != "welcome":
            raise ConnectionRefused(f"expected welcome, got {str(raw)[:200]}", code="protocol")
        data = data_of(welcome)
        return connection, data
    except BaseException:
        await connection.close()
        raise


async def _recv_with_timeout(connection: ClientConnection, timeout: float) -> str | bytes:
    return await asyncio.wait_for(connection.recv(), timeout)


async def stop_task(task: "asyncio.Task[None] | None") -> None:
    """Cancels a background task and waits until it has ended."""
    if task is None:
        return
    task.cancel()
    try:
        await task
    except (asyncio.CancelledError, Exception):
        pass


def heartbeat_interval(welcome: dict[str, Any], override: float | None) -> float:
    """Half the server's heartbeat_s from `welcome`, at most 15 s."""
    return override or min(15.0, float(welcome.get("heartbeat_s") or 30) / 2)


async def heartbeat(connection: ClientConnection, interval: float, last_received: Callable[[], float],
                    ping: Callable[[], str]) -> None:
    """The protocol heartbeat: every `interval`, if nothing at all arrived
    since the previous ping the connection is dead and is closed (4000, so
    the owner reconnects); otherwise the next `ping()` text is sent."""
    sent_at: float | None = None
    while True:
        await asyncio.sleep(interval)
        if sent_at is not None and last_received() < sent_at:
            await connection.close(4000, "heartbeat timeout")
            return
        sent_at = time.monotonic()
        try:
            await connection.send(ping())
        except ConnectionClosed:
            return
