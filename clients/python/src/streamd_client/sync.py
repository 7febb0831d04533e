"""SyncPublisher: StreamPublisher for threaded code.

It runs its own event loop on a background thread; every method blocks the
calling thread until the server answered, and is safe to call from several
threads at once (the publishes are pipelined on the one connection).

    with SyncPublisher(url, token_file="feed.jwt", ca="ca.pem") as pub:
        pub.broadcast_tick("EURUSD", 1.08500, 1.08503)
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Coroutine, TypeVar

from .messages import PublishResult
from .publisher import StreamPublisher

T = TypeVar("T")


class SyncPublisher:
    def __init__(self, url: str, *, token: str | None = None, token_file: str | Path | None = None,
                 ca: str | Path | None = None, timeout: float = 10.0, **options: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="streamd-sync-publisher", daemon=True)
        self._thread.start()
        self._timeout = timeout

        async def build() -> StreamPublisher:
            return StreamPublisher(url, token=token, token_file=token_file, ca=ca, timeout=timeout, **options)

        self._publisher = self._run(build())
        self._closed = False

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result()

    def __enter__(self) -> "SyncPublisher":
        self.connect()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def connect(self) -> None:
        self._run(self._publisher.connect())

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._run(self._publisher.close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            self._loop.close()

    @property
    def is_connected(self) -> bool:
        return self._publisher.is_connected

    def publish(self, channel: str, data: dict[str, Any], *, idempotency_key: str | None = None,
                valid_until: datetime | str | None = None) -> PublishResult:
        return self._run(self._publisher.publish(channel, data, idempotency_key=idempotency_key,
                                                 valid_until=valid_until))

    def broadcast_tick(self, symbol: str, bid: float, ask: float, *,
                       idempotency_key: str | None = None) -> PublishResult:
        return self._run(self._publisher.broadcast_tick(symbol, bid, ask, idempotency_key=idempotency_key))

    def broadcast_signal(self, data: dict[str, Any], *, idempotency_key: str | None = None,
                         valid_until: datetime | str | None = None) -> PublishResult:
        return self._run(self._publisher.broadcast_signal(data, idempotency_key=idempotency_key,
                                                          valid_until=valid_until))

    def broadcast_idea(self, data: dict[str, Any], *, idempotency_key: str | None = None,
                       valid_until: datetime | str | None = None) -> PublishResult:
        return self._run(self._publisher.broadcast_idea(data, idempotency_key=idempotency_key,
                                                        valid_until=valid_until))

    def broadcast_order_update(self, account: str, data: dict[str, Any], *,
                               idempotency_key: str | None = None) -> PublishResult:
        return self._run(self._publisher.broadcast_order_update(account, data, idempotency_key=idempotency_key))

    def broadcast_prepared_payload(self, account: str, data: dict[str, Any], *,
                                   idempotency_key: str | None = None,
                                   valid_until: datetime | str | None = None) -> PublishResult:
        return self._run(self._publisher.broadcast_prepared_payload(account, data, idempotency_key=idempotency_key,
                                                                    valid_until=valid_until))
