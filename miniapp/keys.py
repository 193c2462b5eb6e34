"""Typed application state (``web.AppKey``) shared by the app factory and the views."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from core.config import Settings
from core.plugins.extensions import HomeLink
from core.runtime.services import Services

from .access import JournalAccess
from .journal.abc import JournalProvider
from .pages import Pages
from .security import VK_FRAME_ANCESTORS, SessionSigner


@dataclass(frozen=True)
class MiniAppConfig:
    app_id: int
    secret: str
    # The session-signing key when configured (``session_secret``); otherwise the database's own.
    session_secret: str | None = None
    launch_max_age_s: int = 3600
    session_ttl_s: int = 8 * 3600
    # Where the app may be embedded besides VK (the sandbox web chat).
    frame_ancestors: tuple[str, ...] = VK_FRAME_ANCESTORS
    # Behind a TLS-terminating proxy (setting ``behind_proxy``, or ``sferum miniapp
    # --behind-proxy``): believe its X-Forwarded-Proto for the Secure; SameSite=None cookie.
    trust_forwarded_proto: bool = False

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> MiniAppConfig:
        ancestors: tuple[str, ...] = VK_FRAME_ANCESTORS
        if settings.uses_sandbox:
            ancestors += (f"http://{settings.sandbox_host}:{settings.sandbox_port}",)
        values: dict[str, object] = {
            "app_id": settings.vk_app_id,
            "secret": settings.app_secret,
            "session_secret": settings.session_secret,
            "launch_max_age_s": settings.launch_max_age_s,
            "frame_ancestors": ancestors,
            "trust_forwarded_proto": settings.behind_proxy,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


SERVICES = web.AppKey("services", Services)
CONFIG = web.AppKey("config", MiniAppConfig)
PROVIDER = web.AppKey("provider", JournalProvider)
ACCESS = web.AppKey("access", JournalAccess)
PAGES = web.AppKey("pages", Pages)
SESSIONS = web.AppKey("sessions", SessionSigner)
HOME_LINKS = web.AppKey("home_links", list[HomeLink])

__all__ = [
    "ACCESS",
    "CONFIG",
    "HOME_LINKS",
    "PAGES",
    "PROVIDER",
    "SERVICES",
    "SESSIONS",
    "HomeLink",  # core's (core/plugins/extensions.py), re-exported for the mini-app's pages
    "MiniAppConfig",
]
