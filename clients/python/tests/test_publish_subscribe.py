"""Publishing every kind over wss and receiving it, against the real server."""

from __future__ import annotations

import asyncio
import threading
import uuid

import pytest

from conftest import until
from streamd_client import (AuthenticationError, BadRequestError, ForbiddenError, PermissionDeniedError,
                            RateLimitedError, StreamPublisher, StreamSubscriber, SyncPublisher)
from streamd_client import broadcaster

pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")


def unique(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:8].upper()


def test_every_kind_is_published_acknowledged_and_received(server):
    symbol = unique("S")
    account = unique("acct-")

    async def scenario():
        channels = [f"tick:{symbol}", "signal:*", f"idea:{symbol}", f"order:{account}", f"payload:{account}"]
        async with StreamSubscriber(server.url, token=server.token(account, "trader"), ca=server.ca,
                                    channels=channels, history=3) as sub, \
                StreamPublisher(server.url, token=server.token("feed", "producer"), ca=server.ca) as pub:
            assert sub.is_connected
            await until(lambda: sub.granted == channels)
            results = [
                await pub.broadcast_tick(symbol, 1.08500, 1.08503),
                await pub.broadcast_signal({"symbol": symbol, "side": "buy", "strength": 0.85,
                                            "confidence": 87.5, "model": "LSTM"}),
                await pub.broadcast_idea({"symbol": symbol, "direction": "sell", "entry": 1.09, "stop": 1.095,
                                          "target": 1.08, "rationale": "range top"}),
                await pub.broadcast_order_update(account, {"order_id": "ORD_1", "symbol": symbol, "side": "buy",
                                                           "status": "filled", "volume": 0.1, "price": 1.085}),
                await pub.broadcast_prepared_payload(account, {"payload_id": "P1", "symbol": symbol, "side": "buy",
                                                               "volume": 0.2, "entry": 1.085, "sl": 1.08,
                                                               "tp": 1.095}),
            ]
            assert [r.seq for r in results] == [1, 1, 1, 1, 1]
            assert [r.channel for r in results] == [f"tick:{symbol}", f"signal:{symbol}", f"idea:{symbol}",
                                                    f"order:{account}", f"payload:{account}"]
            got = [await sub.recv(timeout=10) for _ in range(5)]
            assert [(m.type, m.channel, m.seq) for m in got] == [
                ("tick", f"tick:{symbol}", 1), ("signal", f"signal:{symbol}", 1), ("idea", f"idea:{symbol}", 1),
                ("order_update", f"order:{account}", 1), ("prepared_payload", f"payload:{account}", 1)]
            assert got[0].data == {"symbol": symbol, "bid": 1.085, "ask": 1.08503, "spread": 0.00003}
            assert got[3].data["order_id"] == "ORD_1" and got[4].data["tp"] == 1.095
            assert all(m.timestamp.endswith("Z") for m in got)
            for result, message in zip(results, got):
                assert message.epoch == result.epoch  # both None before wire format 1.1
            assert sub.last_message == got[-1]
            assert list(sub.message_history) == got[-3:]

    asyncio.run(scenario())


def test_pipelined_publishes_each_get_their_own_ack(server):
    symbol = unique("P")

    async def scenario():
        async with StreamPublisher(server.url, token=server.token("feed", "producer"), ca=server.ca) as pub:
            results = await asyncio.gather(*(pub.publish(f"signal:{symbol}", {"symbol": symbol, "n": n})
                                             for n in range(200)))
        assert sorted(r.seq for r in results) == list(range(1, 201))
        # Sent in order on one connection, so numbered in order.
        assert [r.seq for r in results] == list(range(1, 201))

    asyncio.run(scenario())


def test_forbidden_and_bad_request_are_typed_errors(server):
    async def scenario():
        async with StreamPublisher(server.url, token=server.token("acct-9", "trader"), ca=server.ca) as pub:
            with pytest.raises(ForbiddenError) as refused:
                await pub.broadcast_tick("EURUSD", 1.1, 1.2)
            assert refused.value.code == "forbidden"
            # The connection stays usable after a refusal.
            with pytest.raises(ForbiddenError):
                await pub.broadcast_order_update("acct-9", {"order_id": "x"})
        async with StreamPublisher(server.url, token=server.token("feed", "producer"), ca=server.ca) as pub:
            with pytest.raises(BadRequestError) as bad:
                await pub.publish("bogus:EURUSD", {"x": 1})
            assert bad.value.code == "bad_request"
            with pytest.raises(BadRequestError):
                await pub.publish("signal:EURUSD", {"symbol": "EURUSD"}, valid_until="2001-01-01T00:00:00.000Z")
            with pytest.raises(ValueError):
                await pub.broadcast_signal({"side": "buy"})  # no symbol: no channel

    asyncio.run(scenario())


def test_rate_limited_publishes_raise_and_the_publisher_recovers(server):
    symbol = unique("R")

    async def scenario():
        async with StreamPublisher(server.url, token=server.token("slow", "slow-producer"), ca=server.ca) as pub:
            outcomes = await asyncio.gather(*(pub.broadcast_tick(symbol, 1.0, 1.1) for _ in range(6)),
                                            return_exceptions=True)
            accepted = [o for o in outcomes if not isinstance(o, BaseException)]
            limited = [o for o in outcomes if isinstance(o, RateLimitedError)]
            assert len(accepted) + len(limited) == 6, outcomes
            assert 1 <= len(accepted) <= 4 and len(limited) >= 2, outcomes
            assert all(e.code == "rate_limited" for e in limited)
            assert sorted(r.seq for r in accepted) == list(range(1, len(accepted) + 1))
            await asyncio.sleep(2.2)  # the bucket refills at 1/s
            after = await pub.broadcast_tick(symbol, 1.0, 1.1)
            assert after.seq == len(accepted) + 1

    asyncio.run(scenario())


def test_a_bad_token_is_refused_with_401(server):
    async def scenario():
        bad = server.token("acct-1", "trader")[:-4] + "AAAA"
        with pytest.raises(AuthenticationError) as refused:
            async with StreamSubscriber(server.url, token=bad, ca=server.ca, channels=["tick:*"]):
                pass
        assert refused.value.status == 401
        with pytest.raises(AuthenticationError) as refused:
            async with StreamPublisher(server.url, token="not-a-jwt", ca=server.ca):
                pass
        assert refused.value.status == 401

    asyncio.run(scenario())


def test_a_disabled_client_is_refused_with_403(server):
    async def scenario():
        with pytest.raises(PermissionDeniedError) as refused:
            async with StreamSubscriber(server.url, token=server.token("acct-banned", "trader"), ca=server.ca,
                                        channels=["tick:*"]):
                pass
        assert refused.value.status == 403

    asyncio.run(scenario())


def test_sync_publisher_from_several_threads(server):
    symbol = unique("T")
    with SyncPublisher(server.url, token=server.token("feed", "producer"), ca=server.ca) as pub:
        seqs: list[int] = []
        lock = threading.Lock()

        def work(n: int) -> None:
            for i in range(10):
                result = pub.broadcast_signal({"symbol": symbol, "side": "buy", "n": n * 100 + i})
                with lock:
                    seqs.append(result.seq)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(seqs) == list(range(1, 41))
        with pytest.raises(BadRequestError):
            pub.publish("nope:x", {})


def test_broadcaster_keeps_the_original_signatures(server):
    symbol = unique("B")
    account = unique("acct-")

    async def scenario():
        broadcaster.configure(server.url, token=server.token("feed", "producer"), ca=server.ca, account=account)
        channels = [f"tick:{symbol}", f"signal:{symbol}", f"idea:{symbol}", f"order:{account}", f"payload:{account}"]
        async with StreamSubscriber(server.url, token=server.token(account, "trader"), ca=server.ca,
                                    channels=channels) as sub:
            await until(lambda: sub.granted == channels)
            await broadcaster.broadcast_tick(symbol, 1.08500, 1.08503)
            await broadcaster.broadcast_signal({"symbol": symbol, "side": "buy", "strength": 0.85, "confidence": 87.5})
            await broadcaster.broadcast_order_update({"order_id": "ORD_7", "symbol": symbol, "status": "new"})
            await broadcaster.broadcast_idea({"symbol": symbol, "direction": "buy", "entry": 1.0})
            await broadcaster.broadcast_prepared_payload({"payload_id": "PP", "symbol": symbol, "side": "sell"})
            got = [await sub.recv(timeout=10) for _ in range(5)]
            assert [m.type for m in got] == ["tick", "signal", "order_update", "idea", "prepared_payload"]
            assert got[2].channel == f"order:{account}"
            # data["account"] wins over the configured account.
            other = unique("acct-")
            result = await broadcaster.broadcast_order_update({"account": other, "order_id": "O"})
            assert result.channel == f"order:{other}"
        await broadcaster.close()

    asyncio.run(scenario())
