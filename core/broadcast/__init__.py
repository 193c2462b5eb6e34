"""The broadcast engine: audiences, policy, quiet hours, exactly-once batched delivery."""

from .engine import (
    AudienceNotAllowed,
    BroadcastEngine,
    BroadcastError,
    BroadcastStatus,
    CancelRefused,
)
from .spec import Audience, AudienceKind, BroadcastSpec, LinkButton

__all__ = [
    "Audience",
    "AudienceKind",
    "AudienceNotAllowed",
    "BroadcastEngine",
    "BroadcastError",
    "BroadcastSpec",
    "BroadcastStatus",
    "CancelRefused",
    "LinkButton",
]
