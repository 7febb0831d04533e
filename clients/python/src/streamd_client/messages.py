"""What the server sends: stream messages, recovery notices, publish results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def data_of(obj: dict[str, Any]) -> dict[str, Any]:
    """A server message's `data` object ({} when absent or not an object)."""
    data = obj.get("data")
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class Message:
    """One stream message. `epoch` is None when the server does not send
    epochs (wire format before 1.1): the position is then the seq alone."""

    type: str
    channel: str
    seq: int
    epoch: str | None
    timestamp: str
    data: dict[str, Any]

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "Message":
        epoch = obj.get("epoch")
        return cls(
            type=str(obj.get("type")),
            channel=str(obj["channel"]),
            seq=int(obj["seq"]),
            epoch=epoch if isinstance(epoch, str) else None,
            timestamp=str(obj.get("timestamp", "")),
            data=data_of(obj),
        )


@dataclass(frozen=True)
class RecoveryFailure:
    """A `recovery_failed` notice: history no longer held what the client asked
    for, the channel's numbering started over (`reason == "epoch_changed"`), or
    another reason from the server. `replay_from` is the seq from which
    messages follow this notice (None: none follow)."""

    channel: str
    reason: str
    since: int | None
    since_epoch: str | None
    epoch: str | None
    last_seq: int | None
    replay_from: int | None
    timestamp: str
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "RecoveryFailure":
        data = data_of(obj)

        def opt_int(key: str) -> int | None:
            value = data.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        def opt_str(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        return cls(
            channel=str(data.get("channel", "")),
            reason=str(data.get("reason", "")),
            since=opt_int("since"),
            since_epoch=opt_str("since_epoch"),
            epoch=opt_str("epoch"),
            last_seq=opt_int("last_seq"),
            replay_from=opt_int("replay_from"),
            timestamp=str(obj.get("timestamp", "")),
            raw=data,
        )


@dataclass(frozen=True)
class EpochChange:
    """A channel's numbering started over: messages from `new_epoch` follow.
    Messages of the old epoch after `last_seq` were not received."""

    channel: str
    old_epoch: str | None
    new_epoch: str
    last_seq: int


@dataclass(frozen=True)
class PublishResult:
    """The server's acknowledgement: the message's position in its channel.
    `duplicate` is True when the idempotency key had been seen: nothing was
    published again and seq/epoch are the original ones."""

    channel: str
    seq: int
    epoch: str | None
    duplicate: bool = False
