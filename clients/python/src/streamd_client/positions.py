"""Where a subscriber stands in each channel, and the `since` that resumes it.

A position is (epoch, seq). A message is "already seen" only when its epoch
is the stored one (or either is unknown: a server before wire format 1.1)
and its seq is not above the stored seq. A message of another epoch is new:
the channel's numbering started over, and the change is reported.

`since` for a resubscription (wire format 1.1, once the server has shown an
epoch): exact channels as {"seq", "epoch"}; each wildcard pattern as
{"after": <last timestamp seen under it>, "seqs": {channel: {"seq", "epoch"}}},
so channels born while the client was away are replayed too. Against an older
server: a bare seq per exact channel, with channels seen under a wildcard
named in the request (that server resumes only named channels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .messages import EpochChange, Message, RecoveryFailure

MAX_CHANNELS_PER_REQUEST = 100
# The server's limits.max_recovery_channels (default 1000): more `seqs` in
# one wildcard entry is a bad_request. Channels left out are still recovered
# from `after`, and what that replays twice is dropped here by position.
MAX_RECOVERY_SEQS = 1000


def matches(pattern: str, channel: str) -> bool:
    """Whether a subscription pattern (exact, or ending in `*`) covers `channel`."""
    if pattern.endswith("*"):
        return channel.startswith(pattern[:-1])
    return pattern == channel


def resume_by_default(channel: str) -> bool:
    """Ticks are conflated prices: the latest one (which the server sends on
    subscribe) is what a screen wants, not every missed quote."""
    return not channel.startswith("tick:")


@dataclass
class Position:
    epoch: str | None
    seq: int


@dataclass(frozen=True)
class Accepted:
    deliver: bool
    epoch_change: EpochChange | None = None


class Positions:
    def __init__(self, resume: Callable[[str], bool] = resume_by_default) -> None:
        self.by_channel: dict[str, Position] = {}
        self.after: dict[str, str] = {}     # pattern → latest timestamp seen under it
        self.epochs_seen = False            # the server speaks wire format 1.1
        self.resume = resume

    def accept(self, message: Message, patterns: list[str]) -> Accepted:
        """Records a stream message; says whether to deliver it."""
        if message.epoch is not None:
            self.epochs_seen = True
        for pattern in patterns:
            if pattern.endswith("*") and matches(pattern, message.channel):
                if message.timestamp > self.after.get(pattern, ""):
                    self.after[pattern] = message.timestamp
        current = self.by_channel.get(message.channel)
        if current is None:
            self.by_channel[message.channel] = Position(message.epoch, message.seq)
            return Accepted(True)
        if message.epoch is not None and current.epoch is not None and message.epoch != current.epoch:
            change = EpochChange(message.channel, current.epoch, message.epoch, current.seq)
            self.by_channel[message.channel] = Position(message.epoch, message.seq)
            return Accepted(True, change)
        if message.seq <= current.seq:
            return Accepted(False)
        current.seq = message.seq
        if current.epoch is None:
            current.epoch = message.epoch
        return Accepted(True)

    def recovery_failed(self, failure: RecoveryFailure) -> EpochChange | None:
        """Moves the position to where the server says messages resume."""
        current = self.by_channel.get(failure.channel)
        if failure.epoch is not None:
            self.epochs_seen = True
            if failure.replay_from is not None:
                seq = failure.replay_from - 1
            elif failure.last_seq is not None:
                seq = failure.last_seq
            else:
                return None
            self.by_channel[failure.channel] = Position(failure.epoch, seq)
            if current is not None and current.epoch is not None and current.epoch != failure.epoch:
                return EpochChange(failure.channel, current.epoch, failure.epoch, current.seq)
            return None
        if failure.reason == "epoch_changed":
            # The channel has no messages in its new numbering yet.
            if current is not None:
                del self.by_channel[failure.channel]
            return None
        # A server before 1.1: its numbering restarted below what we saw.
        if current is not None and failure.last_seq is not None and failure.last_seq < current.seq:
            current.seq = failure.last_seq
        return None

    def subscribe_request(self, patterns: list[str], subscribed_at: str | None = None) -> dict[str, Any]:
        """The `subscribe` operation for `patterns`, resuming what was seen.
        `subscribed_at`: the timestamp of the last `subscribed` answer (the
        earliest `after` for a wildcard that has received nothing yet)."""
        channels = list(dict.fromkeys(patterns))
        since: dict[str, Any] = {}
        resumable = {ch: p for ch, p in self.by_channel.items() if self.resume(ch)}
        if self.epochs_seen:
            for pattern in channels:
                if pattern.endswith("*"):
                    if not self.resume(pattern[:-1]):
                        continue
                    listed = [(ch, p) for ch, p in sorted(resumable.items())
                              if matches(pattern, ch) and p.epoch is not None][:MAX_RECOVERY_SEQS]
                    after = max(self.after.get(pattern, ""), subscribed_at or "")
                    if after:  # the server needs one; there is one once anything was subscribed
                        since[pattern] = {"after": after,
                                          "seqs": {ch: {"seq": p.seq, "epoch": p.epoch} for ch, p in listed}}
                elif pattern in resumable:
                    p = resumable[pattern]
                    since[pattern] = {"seq": p.seq, "epoch": p.epoch} if p.epoch is not None else p.seq
        else:
            for channel, p in resumable.items():
                if not any(matches(pattern, channel) for pattern in patterns):
                    continue
                if channel not in channels:
                    if len(channels) >= MAX_CHANNELS_PER_REQUEST:
                        continue
                    channels.append(channel)
                since[channel] = p.seq
        op: dict[str, Any] = {"type": "subscribe", "channels": channels}
        if since:
            op["since"] = since
        return op
