"""Role verification: e-journal codes, join requests, invite links."""

from .codes import looks_like_code, normalise
from .service import AlreadyDecided, JoinRequest, Result, Status, Verification

__all__ = [
    "AlreadyDecided",
    "JoinRequest",
    "Result",
    "Status",
    "Verification",
    "looks_like_code",
    "normalise",
]
