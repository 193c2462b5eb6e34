"""One VK community with its plugins: a vkbottle Bot fed through ordered conversation queues.

Which plugin of the community gets an event is decided by core/runtime/routing.py (payload keys,
the person's dialog, the community's main plugin), with core's navigation and fallback around
the plugins (core/runtime/fallback.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vkbottle import Bot
from vkbottle.framework.labeler import BotLabeler

from core.people import Identity
from core.plugins.spec import Plugin
from core.vk.api import RateLimitedAPI

from .context import Ctx
from .dialogs import Dialog
from .errors import ReplyingErrorHandler, collecting_failures
from .fallback import Fallback, Navigation
from .middleware import Intake, event_middleware, message_middleware
from .ordering import ConversationQueue, conversation_key
from .peer_lock import open_peer_lock
from .routing import HandlerSignatureError, Routes, check_signature, install
from .services import Services

__all__ = ["Community", "CommunityConfig", "HandlerSignatureError", "mount"]

log = logging.getLogger("sferum.community")


@dataclass(frozen=True)
class CommunityConfig:
    group_id: int
    token: str
    api_url: str
    plugins: tuple[str, ...]
    callback_secret: str | None = None
    confirmation_code: str | None = None
    # The plugin for typed text nobody's dialog holds; None: the only plugin, if one.
    main: str | None = None


def mount(source: BotLabeler, into: BotLabeler) -> None:
    """Copy handlers into a labeler without touching the source (a Community itself mounts
    through ``routing.install``, which wraps them with its routing).

    vkbottle's ``BotLabeler.load`` re-points the source's views at the target's, so a plugin loaded
    into two communities would share one view (and its middlewares). Handlers themselves are
    stateless and safe to share.
    """
    for handler in source.message_view.handlers:
        check_signature(handler)
    into.message_view.handlers.extend(source.message_view.handlers)
    for event, basements in source.raw_event_view.handlers.items():
        for basement in basements:
            check_signature(basement.handler)
        into.raw_event_view.handlers.setdefault(event, []).extend(basements)


class Community:
    def __init__(
        self,
        services: Services,
        config: CommunityConfig,
        plugins: Sequence[Plugin],
        *,
        core_labelers: Sequence[BotLabeler] = (),
    ) -> None:
        self.services = services
        self.config = config
        self.group_id = config.group_id
        self.plugins = list(plugins)
        # The token's channel: the broadcast sender of this community waits in the same limiter.
        self.api = RateLimitedAPI(services.vk_channels.channel(config.api_url, config.token))
        self.errors = ReplyingErrorHandler(services.texts)
        self.routes = Routes(self.plugins, config.main)
        labeler = BotLabeler()
        # Core handlers (verification, admin commands) come first, they match narrowly; then
        # the plugins the event is addressed to; then core's fallback (routing.py).
        install(
            labeler,
            core_labelers,
            self.plugins,
            self.routes,
            navigation=Navigation(self.routes),
            fallback=Fallback(self.routes),
        )
        intake = Intake(
            group_id=self.group_id,
            identities=services.identities,
            activity=services.activity,
            dialogs=services.dialogs,
            texts=services.texts,
            context=self._context,
        )
        labeler.message_view.register_middleware(message_middleware(intake))
        labeler.raw_event_view.register_middleware(event_middleware(intake))
        self.bot = Bot(api=self.api, labeler=labeler, error_handler=self.errors)
        self.bot.polling.group_id = config.group_id  # type: ignore[attr-defined]
        self.router = self.bot.router
        # Redis when the region's workers share one (redis_url): one handler per peer over all.
        self.peer_lock = open_peer_lock(
            services.settings.redis_url, config.group_id, services.settings.redis_prefix
        )
        self.queue = ConversationQueue(
            services.settings.max_concurrent_conversations, lock=self.peer_lock
        )
        self.received = 0  # updates taken in, for tests and metrics
        self._stopping = asyncio.Event()

    def _context(
        self, identity: Identity, dialog: Dialog, peer_id: int, payload: dict[str, Any]
    ) -> Ctx:
        return Ctx(self.services, self.group_id, self.api, identity, dialog, peer_id, payload)

    async def handle(self, update: dict[str, Any]) -> asyncio.Future[bool]:
        """Queue one update behind earlier ones of the same conversation. The future resolves
        once it was handled: True, or False when a handler failed (the Callback API answers VK
        by it; long poll does not wait)."""
        outcome: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        async def job() -> None:
            handled = False
            try:
                with collecting_failures() as failures:
                    await self.router.route(update, self.api)
                handled = not failures
            finally:  # also when cancelled at shutdown: the caller must not wait forever
                if not outcome.done():
                    outcome.set_result(handled)

        self.received += 1
        await self.queue.submit(conversation_key(update), job)
        return outcome

    async def run_longpoll(self) -> None:
        polling = self.bot.polling
        async for event in polling.listen():
            for update in event.get("updates", []):
                await self.handle(update)
            if self._stopping.is_set():
                break

    def stop(self) -> None:
        self._stopping.set()
        self.bot.polling.stop()

    async def close(self) -> None:
        self.stop()
        await self.queue.close()  # the HTTP session is the channel's: Services closes it
        await self.peer_lock.close()
