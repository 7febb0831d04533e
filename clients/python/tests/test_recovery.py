"""Restarts of the real server under a connected subscriber."""

from __future__ import annotations

import asyncio

import pytest

from conftest import require_epochs, until
from streamd_client import (Backoff, EpochChange, PublishOutcomeUnknown, RecoveryFailedError, RecoveryFailure,
                            StreamPublisher, StreamSubscriber, UnavailableError)


class FixedDelay(Backoff):
    """Reconnects after exactly `seconds`, so the test knows what is published
    while the subscriber is away."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def delay(self, attempt: int) -> float:
        return self.seconds


def order(n: int) -> dict:
    return {"order_id": f"ORD_{n}", "symbol": "EURUSD", "side": "buy", "status": "filled", "volume": 0.1,
            "price": 1.085}


def test_server_restart_loses_and_repeats_no_order_update(own_server):
    server = own_server
    feed = server.token("feed", "producer")

    async def publish(numbers) -> list:
        async with StreamPublisher(server.url, token=feed, ca=server.ca) as pub:
            return [await pub.broadcast_order_update("acct-1", order(n)) for n in numbers]

    async def scenario():
        states: list[str] = []
        failures: list[RecoveryFailure] = []
        received = []
        async with StreamSubscriber(server.url, token=server.token("acct-1", "trader"), ca=server.ca,
                                    channels=["order:acct-1", "signal:*"], backoff=FixedDelay(2.0),
                                    on_state=states.append, on_recovery_failed=failures.append) as sub:
            first = await publish(range(1, 6))
            for _ in range(5):
                received.append(await sub.recv(timeout=10))

            # SIGTERM (close 1001), start again on the same port and data
            # directory, and publish while the subscriber is still waiting.
            await asyncio.to_thread(server.restart)
            await until(lambda: sub.state == "reconnecting" or sub.connections > 1)
            second = await publish(range(6, 9))
            assert sub.connections == 1, "published before the subscriber came back"
            for _ in range(3):
                received.append(await sub.recv(timeout=15))
            assert sub.connections == 2
            third = await publish(range(9, 11))
            for _ in range(2):
                received.append(await sub.recv(timeout=10))

            # Nothing more: no repeat of anything already delivered.
            try:
                extra = await sub.recv(timeout=1.0)
            except asyncio.TimeoutError:
                extra = None
            assert extra is None, extra

        assert [m.data["order_id"] for m in received] == [f"ORD_{n}" for n in range(1, 11)]
        assert [m.seq for m in received] == list(range(1, 11))
        # A durable channel keeps its numbering (and its epoch) across restarts.
        assert [r.seq for r in first + second + third] == list(range(1, 11))
        assert len({r.epoch for r in first + second + third}) == 1
        assert not failures, failures
        assert "reconnecting" in states and states[-1] == "closed"

    asyncio.run(scenario())


def test_a_restarted_channel_is_reported_and_its_new_numbering_delivered(own_server):
    """A non-durable channel starts over after a restart: the subscriber is
    told (epoch_changed), and the new epoch's seq 1.. are delivered, not
    dropped as already seen (wire format 1.1)."""
    server = own_server
    feed = server.token("feed", "producer")

    async def publish(numbers) -> list:
        async with StreamPublisher(server.url, token=feed, ca=server.ca) as pub:
            return [await pub.broadcast_signal({"symbol": "EURUSD", "side": "buy", "n": n}) for n in numbers]

    async def scenario():
        changes: list[EpochChange] = []
        async with StreamSubscriber(server.url, token=server.token("acct-1", "trader"), ca=server.ca,
                                    channels=["signal:*"], backoff=FixedDelay(2.0),
                                    on_epoch_change=changes.append) as sub:
            before = await publish(range(1, 6))
            require_epochs(before[0].epoch)
            got = [await sub.recv(timeout=10) for _ in range(5)]
            await asyncio.to_thread(server.restart)
            await until(lambda: sub.state == "reconnecting" or sub.connections > 1)
            after = await publish(range(6, 13))
            assert after[0].seq == 1 and after[0].epoch != before[0].epoch
            assert sub.connections == 1
            failure = None
            while len(got) < 12:
                try:
                    got.append(await sub.recv(timeout=15))
                except RecoveryFailedError as error:
                    failure = error.failure
            assert failure is not None and failure.reason == "epoch_changed"
            assert failure.channel == "signal:EURUSD" and failure.epoch == after[0].epoch
            assert [m.data["n"] for m in got] == list(range(1, 13))
            assert [(m.epoch, m.seq) for m in got[5:]] == [(after[0].epoch, s) for s in range(1, 8)]
            assert [(c.channel, c.old_epoch, c.new_epoch, c.last_seq) for c in changes] == [
                ("signal:EURUSD", before[0].epoch, after[0].epoch, 5)]

    asyncio.run(scenario())


def test_a_channel_born_while_away_is_recovered_through_the_wildcard(own_server):
    """Wildcard recovery: signal:GBPUSD gets its first message while the
    subscriber to signal:* is away; it is replayed on reconnect (1.1)."""
    server = own_server
    feed = server.token("feed", "producer")

    async def scenario():
        async with StreamSubscriber(server.url, token=server.token("acct-1", "trader"), ca=server.ca,
                                    channels=["order:acct-1", "signal:*"], backoff=FixedDelay(2.0)) as sub, \
                StreamPublisher(server.url, token=feed, ca=server.ca) as pub:
            first = await pub.broadcast_order_update("acct-1", order(1))
            require_epochs(first.epoch)
            await pub.broadcast_signal({"symbol": "EURUSD", "n": 1})
            got = [await sub.recv(timeout=10) for _ in range(2)]
            # Drop the subscriber's connection (not the server) and publish
            # on a new channel before it comes back.
            await sub._connection.close()  # noqa: SLF001
            await until(lambda: sub.state == "reconnecting")
            await pub.broadcast_signal({"symbol": "GBPUSD", "n": 2})
            await pub.broadcast_signal({"symbol": "EURUSD", "n": 3})
            got += [await sub.recv(timeout=15) for _ in range(2)]
            assert sub.connections == 2
            assert sorted((m.channel, m.seq) for m in got[2:]) == [("signal:EURUSD", 2), ("signal:GBPUSD", 1)]

    asyncio.run(scenario())


def test_a_repeated_idempotency_key_is_published_once(server):
    async def scenario():
        async with StreamSubscriber(server.url, token=server.token("acct-5", "trader"), ca=server.ca,
                                    channels=["order:acct-5"]) as sub, \
                StreamPublisher(server.url, token=server.token("feed", "producer"), ca=server.ca) as pub:
            first = await pub.broadcast_order_update("acct-5", order(1), idempotency_key="ord-1-filled")
            require_epochs(first.epoch)
            again = await pub.broadcast_order_update("acct-5", order(1), idempotency_key="ord-1-filled")
            other = await pub.broadcast_order_update("acct-5", order(2), idempotency_key="ord-2-filled")
            assert (again.seq, again.epoch, again.duplicate) == (first.seq, first.epoch, True)
            assert not first.duplicate and other.seq == first.seq + 1
            got = [await sub.recv(timeout=10) for _ in range(2)]
            assert [m.data["order_id"] for m in got] == ["ORD_1", "ORD_2"]

    asyncio.run(scenario())


def test_an_unacknowledged_publish_is_retried_only_with_an_idempotency_key(own_server):
    """Two publishes are written to a server that has stopped reading
    (SIGSTOP), which is then killed and started again: the one with an
    idempotency key is sent again on the new connection and acknowledged;
    the one without fails with PublishOutcomeUnknown instead of risking a
    second copy."""
    server = own_server

    async def scenario():
        async with StreamPublisher(server.url, token=server.token("feed", "producer"), ca=server.ca,
                                   backoff=FixedDelay(0.5), timeout=20) as pub:
            server.pause()
            keyed = asyncio.create_task(pub.broadcast_order_update("acct-1", order(1), idempotency_key="ord-1-filled"))
            unkeyed = asyncio.create_task(pub.broadcast_order_update("acct-1", order(2)))
            await asyncio.sleep(0.5)
            assert not keyed.done() and not unkeyed.done()
            await asyncio.to_thread(server.kill)
            await asyncio.to_thread(server.start)
            with pytest.raises(PublishOutcomeUnknown):
                await unkeyed
            result = await keyed
            assert result.seq == 1 and not result.duplicate
            assert pub.reconnects >= 1
            later = await pub.broadcast_order_update("acct-1", order(3))
            assert later.seq == 2, "the unkeyed publish never reached the server"

    asyncio.run(scenario())


def test_a_publish_that_cannot_be_sent_in_time_is_unavailable_not_unknown(own_server):
    server = own_server

    async def scenario():
        async with StreamPublisher(server.url, token=server.token("feed", "producer"), ca=server.ca,
                                   backoff=FixedDelay(0.2), timeout=1.5) as pub:
            await asyncio.to_thread(server.stop)
            with pytest.raises(UnavailableError):
                await pub.broadcast_order_update("acct-1", order(1))
            await asyncio.to_thread(server.start)
            result = await pub.broadcast_order_update("acct-1", order(2))
            assert result.seq == 1, "the first publish was never sent"

    asyncio.run(scenario())
