"""Typed errors. Each carries the server's code so callers can branch on it."""

from __future__ import annotations

from typing import Any


class StreamdError(Exception):
    """Base class of every error this package raises."""

    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class PublishError(StreamdError):
    """The server refused a publish (an `error` answer). `code` is the server's."""


class ForbiddenError(PublishError):
    code = "forbidden"


class RateLimitedError(PublishError):
    code = "rate_limited"


class BadRequestError(PublishError):
    code = "bad_request"


class UnavailableError(PublishError):
    code = "unavailable"


class PublishOutcomeUnknown(StreamdError):
    """The connection was lost, or the deadline passed, before the server
    answered a publish that had no idempotency key: it may or may not have been
    published, and retrying could publish it twice."""

    code = "outcome_unknown"


_BY_CODE: dict[str, type[PublishError]] = {
    "forbidden": ForbiddenError,
    "rate_limited": RateLimitedError,
    "bad_request": BadRequestError,
    "unavailable": UnavailableError,
}


def error_for(code: str, message: str) -> PublishError:
    """The typed exception for a server error code (unknown codes: PublishError)."""
    cls = _BY_CODE.get(code, PublishError)
    return cls(message, code=code)


class ConnectionRefused(StreamdError):
    """The server refused the connection or closed it for good; reconnecting
    with the same token would fail the same way. `status` is the HTTP status of
    a refused upgrade (401, 403, 429, 503...), `close_code` the WebSocket close
    code (4001, 4003)."""

    code = "refused"

    def __init__(self, message: str, *, status: int | None = None, close_code: int | None = None,
                 code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.status = status
        self.close_code = close_code


class AuthenticationError(ConnectionRefused):
    """401 (missing, invalid, expired or revoked token) or close 4001 (the
    token expired during the session)."""

    code = "unauthorized"


class TokenExpiredError(AuthenticationError):
    """Close code 4001: the token expired during the session."""

    code = "token_expired"


class PermissionDeniedError(ConnectionRefused):
    """403 (the policy forbids connecting) or close 4003 (permission withdrawn)."""

    code = "forbidden"


class RecoveryFailedError(StreamdError):
    """Raised from a subscriber's iteration when the server reports that it
    could not replay what the client missed and no `on_recovery_failed`
    callback was given. `failure` holds the notice; iteration may continue."""

    code = "recovery_failed"

    def __init__(self, failure: Any) -> None:
        super().__init__(f"{failure.channel}: {failure.reason}")
        self.failure = failure
