"""VK Mini Apps launch parameters: signing (what VK does) and verification (what an app does).

Per VK's documentation: take only the vk_* parameters, keep blank values, sort them by name,
URL-encode them (a space is %20), HMAC-SHA256 the result with the app's secure key, base64 the
digest with "+/" turned into "-_" and "=" stripped, and compare in constant time. When VK sends
sign_keys, exactly those keys are signed, in that order.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

from core.integers import INT64_MAX, ascii_int

# VK's and the app's clocks differ a little; a launch stamped slightly ahead is still fresh.
CLOCK_SKEW = timedelta(seconds=60)
# The last second datetime can hold (9999-12-31 23:59:59 UTC): a vk_ts beyond is no time at all.
MAX_TS = 253_402_300_799


class InvalidLaunchParams(ValueError):
    """The launch parameters are unsigned, forged, or too old; the reason says which."""


def signed_string(params: Mapping[str, str]) -> str:
    """The exact string VK signs for these parameters."""
    sign_keys = params.get("sign_keys")
    if sign_keys:
        pairs = [(key, params.get(key, "")) for key in sign_keys.split(",") if key]
    else:
        pairs = sorted((key, value) for key, value in params.items() if key.startswith("vk_"))
    return urlencode(pairs, quote_via=quote)


def sign_launch_params(params: Mapping[str, str], secret: str) -> str:
    """The sign VK would attach to these launch parameters for an app with this secure key."""
    digest = hmac.new(secret.encode(), signed_string(params).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode().replace("+", "-").replace("/", "_").rstrip("=")


@dataclass(frozen=True, slots=True)
class LaunchParams:
    """Verified launch parameters: who opened the app, from where, and when."""

    user_id: int
    app_id: int
    ts: datetime
    group_id: int | None = None
    viewer_group_role: str | None = None
    platform: str = ""
    language: str = ""
    is_app_user: bool = False
    chat_id: str | None = None
    ref: str = ""
    raw: dict[str, str] = field(default_factory=dict)


def _int(query: Mapping[str, str], key: str, *, low: int = 1, high: int = INT64_MAX) -> int:
    """An id or a timestamp as VK writes it: ASCII digits within 64 bits (``int()`` would also
    take ``+1``, ``1_0`` or Arabic-Indic digits, and a 30-digit id overflows the database)."""
    if key not in query:
        raise InvalidLaunchParams(f"{key} is missing")
    value = ascii_int(query[key], low=low, high=high)
    if value is None:
        raise InvalidLaunchParams(f"{key} is not a number in range")
    return value


def verify_launch_params(
    query: Mapping[str, str], secret: str, max_age_s: float, now: datetime
) -> LaunchParams:
    """Check the sign and the age of a launch; return what it says or raise InvalidLaunchParams."""
    given = query.get("sign")
    if not given:
        raise InvalidLaunchParams("sign is missing")
    expected = sign_launch_params(query, secret)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise InvalidLaunchParams("sign does not match")
    # Only what the sign covers can be trusted.
    sign_keys = query.get("sign_keys")
    if sign_keys:
        signed = {key: query.get(key, "") for key in sign_keys.split(",") if key}
        for needed in ("vk_user_id", "vk_app_id", "vk_ts"):
            if needed not in signed:
                raise InvalidLaunchParams(f"{needed} is not signed")
    else:
        signed = {key: value for key, value in query.items() if key.startswith("vk_")}
    query = signed
    stamped = datetime.fromtimestamp(_int(query, "vk_ts", low=0, high=MAX_TS), UTC)
    if now - stamped > timedelta(seconds=max_age_s):
        raise InvalidLaunchParams("the launch is too old")
    if stamped - now > CLOCK_SKEW:
        raise InvalidLaunchParams("the launch is stamped in the future")
    group = query.get("vk_group_id")  # optional: a malformed one is as good as none
    return LaunchParams(
        user_id=_int(query, "vk_user_id"),
        app_id=_int(query, "vk_app_id"),
        ts=stamped,
        group_id=ascii_int(group, low=1),
        viewer_group_role=query.get("vk_viewer_group_role"),
        platform=query.get("vk_platform", ""),
        language=query.get("vk_language", ""),
        is_app_user=query.get("vk_is_app_user") == "1",
        chat_id=query.get("vk_chat_id"),
        ref=query.get("vk_ref", ""),
        raw={k: v for k, v in query.items() if k.startswith("vk_")},
    )
