"""streamd-client: publish to and subscribe from a streamd server over wss."""

from .errors import (AuthenticationError, BadRequestError, ConnectionRefused, ForbiddenError,
                     PermissionDeniedError, PublishError, PublishOutcomeUnknown, RateLimitedError,
                     RecoveryFailedError, StreamdError, TokenExpiredError, UnavailableError)
from .messages import EpochChange, Message, PublishResult, RecoveryFailure
from ._transport import Backoff
from .publisher import StreamPublisher
from .subscriber import StreamSubscriber
from .sync import SyncPublisher

__all__ = [
    "AuthenticationError", "Backoff", "BadRequestError", "ConnectionRefused", "EpochChange", "ForbiddenError",
    "Message", "PermissionDeniedError", "PublishError", "PublishOutcomeUnknown", "PublishResult",
    "RateLimitedError", "RecoveryFailedError", "RecoveryFailure", "StreamPublisher", "StreamSubscriber",
    "StreamdError", "SyncPublisher", "TokenExpiredError", "UnavailableError",
]
__version__ = "1.1.0"
