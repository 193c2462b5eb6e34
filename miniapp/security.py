"""Sessions, CSRF tokens, launch verification and security headers.

A session is a signed cookie, not a server-side row: ``<vk user id>.<issued>.<session id>.<mac>``
where the MAC is HMAC-SHA256 over the rest with a key derived from the app's secure key. Reading
it costs one HMAC and no database query, which keeps the journal pages fast; the person's roles
are still looked up on every request, so revoking a role takes effect at once.

CSRF: every form carries a token that is an HMAC of the session id (a synchronizer token that
needs no storage); a POST without the token of its own session is refused.

A launch never replaces a live session of another VK user by itself (that would let anyone who
gets a victim to open their own signed launch link act in the victim's browser as themselves):
the launch page asks first, carrying a short-lived switch token bound to the current session.
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

from core.integers import ascii_id, ascii_int
from core.vk.launch_params import InvalidLaunchParams, LaunchParams, verify_launch_params

SESSION_COOKIE = "sferum_miniapp"
CSRF_FIELD = "csrf"
# How long the «continue as …?» page stays usable after the launch that showed it.
SWITCH_TTL_S = 600

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
    """Signs session cookies with the installation's own key (``session_key``), never with VK's.

    VK's secure key only selects which sessions are valid: its fingerprint is mixed into the
    signing key, so rotating it at VK (say, after a leak) ends every session signed before,
    while knowing it alone mints none."""

    def __init__(self, session_key: bytes, vk_secret: str, ttl_s: int) -> None:
        if len(session_key) < 16:
            raise ValueError("the session key must be at least 16 bytes")
        fingerprint = hashlib.sha256(b"vk-secure-key:" + vk_secret.encode()).digest()
        self._key = hmac.new(
            session_key, b"sferum-miniapp-session-v2:" + fingerprint, hashlib.sha256
        ).digest()
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
        vk_user_id, stamped = ascii_id(user), ascii_int(issued)
        if vk_user_id is None or stamped is None or not sid:
            return None
        age = now.timestamp() - stamped
        if age > self.ttl_s or age < -60:
            return None
        return Session(vk_user_id, stamped, sid)

    def switch_token(self, session: Session, vk_user_id: int, now: datetime) -> str:
        """Proof that ``vk_user_id`` has just launched the app in the browser holding
        ``session``: good for that session only, for ``SWITCH_TTL_S``."""
        body = f"{vk_user_id}.{int(now.timestamp())}"
        return f"{body}.{self._mac(f'switch.{session.sid}.{body}')}"

    def read_switch(self, session: Session, token: str | None, now: datetime) -> int | None:
        """The VK user a switch token of this session names, or None (forged, another
        session's, malformed or too old)."""
        if not token or len(token) > 200:
            return None
        body, _, mac = token.rpartition(".")
        expected = self._mac(f"switch.{session.sid}.{body}")
        if not hmac.compare_digest(mac.encode(), expected.encode()):
            return None
        user, _, issued = body.partition(".")
        vk_user_id, stamped = ascii_id(user), ascii_int(issued)
        if vk_user_id is None or stamped is None:
            return None
        age = now.timestamp() - stamped
        if age > SWITCH_TTL_S or age < -60:
            return None
        return vk_user_id

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
            # Only the app's own files (static/vk-bridge.js): no inline script, no eval.
            "script-src 'self'",
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
