"""Sessions, CSRF tokens, launch verification and security headers.

A session is a signed cookie, not a server-side row: ``<vk user id>.<issued>.<session id>.<mac>``
where the MAC is HMAC-SHA256 over the rest with a key derived from the app's secure key. Reading
it costs one HMAC and no database query, which keeps the journal pages fast; the person's roles
are still looked up on every request, so revoking a role takes effect at once.

CSRF: every form carries a token that is an HMAC of the session id (a synchronizer token that
needs no storage); a POST without the token of its own session is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from core.vk.launch_params import InvalidLaunchParams, LaunchParams, verify_launch_params

SESSION_COOKIE = "sferum_miniapp"
CSRF_FIELD = "csrf"

# VK's web clients embed mini-apps in an iframe; mobile clients open them in a web view.
VK_FRAME_ANCESTORS = (
    "https://vk.com",
    "https://*.vk.com",
    "https://vk.ru",
    "https://*.vk.ru",
    "https://*.vk-apps.com",
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@dataclass(frozen=True, slots=True)
class Session:
    vk_user_id: int
    issued: int  # unix seconds
    sid: str


class SessionSigner:
    def __init__(self, secret: str, ttl_s: int) -> None:
        # A derived key: the secure key itself never signs anything but launch parameters.
        self._key = hmac.new(secret.encode(), b"sferum-miniapp-session-v1", hashlib.sha256).digest()
        self.ttl_s = ttl_s

    def _mac(self, message: str) -> str:
        return _b64(hmac.new(self._key, message.encode(), hashlib.sha256).digest())

    def issue(self, vk_user_id: int, now: datetime) -> str:
        body = f"{vk_user_id}.{int(now.timestamp())}.{secrets.token_urlsafe(16)}"
        return f"{body}.{self._mac(body)}"

    def read(self, value: str | None, now: datetime) -> Session | None:
        """The session a cookie proves, or None if it is absent, forged, malformed or expired."""
        if not value or len(value) > 200:
            return None
        body, _, mac = value.rpartition(".")
        if not hmac.compare_digest(mac.encode(), self._mac(body).encode()):
            return None
        parts = body.split(".")
        if len(parts) != 3:
            return None
        user, issued, sid = parts
        if not (user.isdigit() and issued.isdigit() and sid):
            return None
        age = now.timestamp() - int(issued)
        if age > self.ttl_s or age < -60:
            return None
        return Session(int(user), int(issued), sid)

    def csrf_token(self, session: Session) -> str:
        return self._mac(f"csrf.{session.sid}")

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        if not token:
            return False
        return hmac.compare_digest(token.encode(), self.csrf_token(session).encode())


def verify_launch(
    query: Mapping[str, str], secret: str, max_age_s: int, now: datetime, app_id: int
) -> LaunchParams:
    """Core's VK verification plus what this app adds: the launch must be for this app, and a
    malformed timestamp is a bad launch, not a server error."""
    try:
        params = verify_launch_params(query, secret, max_age_s, now)
    except (OverflowError, OSError, ValueError) as exc:
        if isinstance(exc, InvalidLaunchParams):
            raise
        raise InvalidLaunchParams("vk_ts is out of range") from None
    if params.app_id != app_id:
        raise InvalidLaunchParams("vk_app_id is not this app")
    if params.user_id <= 0:
        raise InvalidLaunchParams("vk_user_id is not a user")
    return params


def single_values(pairs: Iterable[tuple[str, str]]) -> dict[str, str] | None:
    """Query pairs as a plain dict; None when a launch parameter is repeated (ambiguous: one
    copy could be signed and another read)."""
    result: dict[str, str] = {}
    for key, value in pairs:
        if key in result:
            if key.startswith("vk_") or key in ("sign", "sign_keys"):
                return None
            continue
        result[key] = value
    return result


def is_https(request: web.Request, trust_forwarded: bool) -> bool:
    if request.secure:
        return True
    return trust_forwarded and request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def set_session_cookie(
    response: web.StreamResponse, value: str, *, secure: bool, max_age: int
) -> None:
    # Inside VK's web client the app is a third-party iframe: the cookie must be SameSite=None,
    # which browsers accept only with Secure. Over plain HTTP (the local sandbox, same site) Lax.
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=secure,
        samesite="None" if secure else "Lax",
    )


def content_security_policy(frame_ancestors: Sequence[str]) -> str:
    return "; ".join(
        (
            "default-src 'none'",
            "style-src 'self'",
            "img-src 'self' data:",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'self' " + " ".join(frame_ancestors),
        )
    )


def security_headers(csp: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        # The launch URL carries the sign: never let it leak to another site.
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cross-Origin-Opener-Policy": "same-origin-allow-popups",
    }
