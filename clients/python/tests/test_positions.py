"""The position bookkeeping on its own: what is delivered, what `since` says."""

from __future__ import annotations

from streamd_client.messages import Message, RecoveryFailure
from streamd_client.positions import Positions


def msg(channel: str, seq: int, epoch: str | None = None, ts: str = "2026-12-06T21:00:00.000Z") -> Message:
    return Message(type="signal", channel=channel, seq=seq, epoch=epoch, timestamp=ts, data={})


def notice(**data) -> RecoveryFailure:
    return RecoveryFailure.from_json({"type": "recovery_failed", "timestamp": "t", "data": data})


def test_without_epochs_a_seq_not_above_the_last_is_dropped():
    p = Positions()
    assert p.accept(msg("signal:EURUSD", 1), ["signal:*"]).deliver
    assert p.accept(msg("signal:EURUSD", 2), ["signal:*"]).deliver
    assert not p.accept(msg("signal:EURUSD", 2), ["signal:*"]).deliver
    assert not p.accept(msg("signal:EURUSD", 1), ["signal:*"]).deliver


def test_a_message_of_another_epoch_is_new_and_reported():
    p = Positions()
    p.accept(msg("signal:EURUSD", 5, "e1"), ["signal:*"])
    accepted = p.accept(msg("signal:EURUSD", 1, "e2"), ["signal:*"])
    assert accepted.deliver
    assert accepted.epoch_change is not None
    assert (accepted.epoch_change.old_epoch, accepted.epoch_change.new_epoch, accepted.epoch_change.last_seq) == \
        ("e1", "e2", 5)
    assert not p.accept(msg("signal:EURUSD", 1, "e2"), ["signal:*"]).deliver


def test_legacy_since_names_channels_seen_under_a_wildcard():
    p = Positions()
    p.accept(msg("signal:EURUSD", 7), ["signal:*", "order:a"])
    p.accept(msg("order:a", 3), ["signal:*", "order:a"])
    p.accept(msg("tick:EURUSD", 40), ["tick:*"])
    assert p.subscribe_request(["tick:*", "signal:*", "order:a"]) == {
        "type": "subscribe", "channels": ["tick:*", "signal:*", "order:a", "signal:EURUSD"],
        "since": {"signal:EURUSD": 7, "order:a": 3}}


def test_since_with_epochs_uses_positions_and_wildcard_after():
    p = Positions()
    patterns = ["tick:*", "signal:*", "order:a"]
    p.accept(msg("signal:EURUSD", 7, "e1", "2026-12-06T21:00:01.000Z"), patterns)
    p.accept(msg("signal:GBPUSD", 2, "e2", "2026-12-06T21:00:02.000Z"), patterns)
    p.accept(msg("order:a", 3, "e3", "2026-12-06T21:00:03.000Z"), patterns)
    p.accept(msg("tick:EURUSD", 40, "e4", "2026-12-06T21:00:04.000Z"), patterns)
    assert p.subscribe_request(patterns, "2026-12-06T20:59:00.000Z") == {
        "type": "subscribe", "channels": patterns,
        "since": {
            "signal:*": {"after": "2026-12-06T21:00:02.000Z",
                         "seqs": {"signal:EURUSD": {"seq": 7, "epoch": "e1"},
                                  "signal:GBPUSD": {"seq": 2, "epoch": "e2"}}},
            "order:a": {"seq": 3, "epoch": "e3"}}}


def test_a_wildcard_that_saw_nothing_resumes_from_the_subscription_time():
    p = Positions()
    p.accept(msg("order:a", 1, "e"), ["signal:*", "order:a"])
    request = p.subscribe_request(["signal:*", "order:a"], "2026-12-06T21:00:00.500Z")
    assert request["since"]["signal:*"] == {"after": "2026-12-06T21:00:00.500Z", "seqs": {}}


def test_epoch_changed_moves_the_position_to_replay_from():
    p = Positions()
    p.accept(msg("signal:EURUSD", 5, "old"), ["signal:*"])
    change = p.recovery_failed(notice(channel="signal:EURUSD", reason="epoch_changed", since=5, since_epoch="old",
                                      epoch="new", last_seq=7, replay_from=1))
    assert change is not None and (change.old_epoch, change.new_epoch) == ("old", "new")
    assert p.accept(msg("signal:EURUSD", 1, "new"), ["signal:*"]).deliver
    assert p.accept(msg("signal:EURUSD", 1, "new"), ["signal:*"]).epoch_change is None


def test_nothing_replayable_moves_the_position_to_last_seq():
    p = Positions()
    p.accept(msg("order:a", 5, "old"), ["order:a"])
    p.recovery_failed(notice(channel="order:a", reason="epoch_changed", epoch="new", last_seq=9, replay_from=None))
    assert p.subscribe_request(["order:a"])["since"] == {"order:a": {"seq": 9, "epoch": "new"}}


def test_a_legacy_reset_follows_the_lower_numbering():
    p = Positions()
    p.accept(msg("signal:EURUSD", 50), ["signal:*"])
    p.recovery_failed(notice(channel="signal:EURUSD", reason="history_unavailable", since=50, last_seq=2))
    assert p.accept(msg("signal:EURUSD", 3), ["signal:*"]).deliver


def test_a_wildcard_lists_at_most_the_servers_bound_of_seqs():
    p = Positions()
    for n in range(1005):
        p.accept(msg(f"signal:S{n:04d}", 1, "e", "2026-12-06T21:00:01.000Z"), ["signal:*"])
    entry = p.subscribe_request(["signal:*"])["since"]["signal:*"]
    assert len(entry["seqs"]) == 1000 and entry["after"] == "2026-12-06T21:00:01.000Z"
    # The channels left out come back from `after`; what repeats is dropped.
    assert not p.accept(msg("signal:S1004", 1, "e"), ["signal:*"]).deliver
