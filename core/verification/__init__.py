"""Role verification: e-journal codes, join requests, invite links."""

from .codes import looks_like_code, normalise
from .service import JoinRequest, Result, Status, Verification

__all__ = ["JoinRequest", "Result", "Status", "Verification", "looks_like_code", "normalise"]
