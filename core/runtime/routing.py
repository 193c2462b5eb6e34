"""Which plugin of a community an event is for, in one documented order.

A community's handlers are mounted in this order (``install``); vkbottle tries them one by one
and the first blocking match ends the event:

1. route — works out a ``Routed`` for the event (below) and takes nothing;
2. core's handlers (verification, monitoring, the e-journal), whatever the event;
3. navigation (core/runtime/fallback.py) — in a private chat, «Начать» (VK's start button sends
   ``{"command": "start"}``), «меню» and «помощь» open the main plugin's menu
   (``Plugin.menu``), ending another plugin's dialog;
4. the plugins the event is addressed to (``Routed.chain``), each with its handlers in its own
   order:
   - a payload with a key a plugin declares (``Plugin.payload_keys``: {"et": ...} is the
     trainer's) goes to that plugin only, and so does ``{"cmd": "<plugin name>"}``;
   - anything else — typed text, VK's start payload, a payload nobody claims — goes to the plugin
     whose dialog the person is in (``Plugin.flows``), then to the community's main plugin. When
     it falls through from the dialog's plugin to the main one, that dialog ends: the person
     has moved on (typed something the step does not take);
5. fallback (core/runtime/fallback.py) — in a private chat, what nothing took gets the menu of
   the chain's last plugin with ``MenuReason.UNKNOWN``, or core's hint. In group chats the bots
   answer only what is addressed to them: nothing here answers there.

Callback-button events (``message_event``) follow step 4 by their payload; other raw events
(nothing a person addressed to one bot) reach every plugin, as they always did.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from vkbottle.dispatch.handlers import ABCHandler
from vkbottle.dispatch.views.bot.raw import BotHandlerBasement
from vkbottle.framework.labeler import BotLabeler
from vkbottle.tools.mini_types.bot import MessageMin
from vkbottle_types.events import GroupEventType

from core.navigation import NAV_WORDS, nav_word
from core.plugins.loader import PluginLoadError
from core.plugins.spec import MenuHook, MenuReason, Plugin
from core.rules import payload_of

# The key of the Routed in vkbottle's context of one event (handlers never name it).
ROUTED = "sferum_routed"
CHAT_PEERS = 2_000_000_000


class HandlerSignatureError(TypeError):
    pass


def check_signature(handler: object) -> None:
    func = getattr(handler, "handler", None)
    if func is None:
        return
    if "ctx" in inspect.signature(func).parameters:
        raise HandlerSignatureError(
            f"handler {func.__module__}.{func.__qualname__} declares a parameter named 'ctx': "
            "vkbottle passes its whole context dict under that name. Declare 'cx: Ctx' instead."
        )


@dataclass
class Routed:
    """Where one event goes. ``taken`` is set once any handler ran for it (even one that failed:
    the error handler has answered then), so the fallback stays quiet."""

    chain: tuple[str, ...]  # plugins whose handlers may take it, in this order
    owner: str | None  # the plugin whose dialog the person is in
    nav: MenuReason | None  # «Начать», «меню», «помощь»
    private: bool
    taken: bool = False

    @property
    def last(self) -> str | None:
        return self.chain[-1] if self.chain else None


class Routes:
    """The routing table of one community: who owns which payload key and dialog prefix."""

    def __init__(self, plugins: Sequence[Plugin], main: str | None) -> None:
        names = [plugin.name for plugin in plugins]
        if main is not None and main not in names:
            raise PluginLoadError(main, f"is the main plugin but not one of {names}")
        if main is None and len(plugins) == 1:
            main = names[0]
        if main is None and plugins:
            raise PluginLoadError(
                names[0], f"shares a community with {names[1:]}: name the main plugin"
            )
        self.main = main
        self.names = frozenset(names)
        self.menus: dict[str, MenuHook] = {p.name: p.menu for p in plugins if p.menu is not None}
        self.by_key: dict[str, str] = {}
        flows: list[tuple[str, str]] = []
        for plugin in plugins:
            for key in plugin.payload_keys:
                other = self.by_key.setdefault(key, plugin.name)
                if other != plugin.name:
                    raise PluginLoadError(
                        plugin.name,
                        f"payload key {key!r} is also {other!r}'s: not in one community",
                    )
            for prefix in plugin.flows:
                for known, other in flows:
                    if other != plugin.name and (
                        prefix.startswith(known) or known.startswith(prefix)
                    ):
                        raise PluginLoadError(
                            plugin.name,
                            f"dialog prefix {prefix!r} overlaps {other!r}'s {known!r}",
                        )
                flows.append((prefix, plugin.name))
        self.flows = tuple(flows)

    def owner_of(self, step: str | None) -> str | None:
        if step is None:
            return None
        return next((name for prefix, name in self.flows if step.startswith(prefix)), None)

    def _claimed(self, payload: dict[str, Any]) -> str | None:
        for key in payload:
            if key in self.by_key:
                return self.by_key[key]
        cmd = payload.get("cmd")
        return cmd if isinstance(cmd, str) and cmd in self.names else None

    def _free(self, owner: str | None) -> tuple[str, ...]:
        """Typed text and unclaimed payloads: the dialog's plugin, then the main one."""
        chain: tuple[str, ...] = (owner,) if owner is not None else ()
        if self.main is not None and self.main != owner:
            chain += (self.main,)
        return chain

    def for_message(
        self, message: MessageMin, step: str | None, payload: dict[str, Any] | None = None
    ) -> Routed:
        """``payload``: the one the middleware decoded for ``cx`` (decoded here only without it)."""
        payload = payload_of(message) if payload is None else payload
        private = message.peer_id < CHAT_PEERS
        owner = self.owner_of(step)
        claimed = self._claimed(payload) if payload else None
        if claimed is not None:
            return Routed((claimed,), owner, None, private)
        nav: MenuReason | None = None
        if payload.get("command") == "start":
            nav = MenuReason.START
        elif isinstance(payload.get("cmd"), str):
            nav = NAV_WORDS.get(str(payload["cmd"]))
        else:  # typed, or a button nobody claims (a bot no longer here): its label counts
            nav = nav_word(message.text)
        return Routed(self._free(owner), owner, nav, private)

    def for_event(
        self, event: Any, step: str | None, payload: dict[str, Any] | None = None
    ) -> Routed:
        """A raw event: a callback button by its payload, anything else to every plugin."""
        data = event if isinstance(event, dict) else {}
        obj = data.get("object")
        obj = obj if isinstance(obj, dict) else {}
        peer = obj.get("peer_id")
        private = not (isinstance(peer, int) and peer >= CHAT_PEERS)
        owner = self.owner_of(step)
        if data.get("type") != GroupEventType.MESSAGE_EVENT.value:
            return Routed(tuple(sorted(self.names)), owner, None, private)
        payload = obj.get("payload")
        claimed = self._claimed(payload) if isinstance(payload, dict) else None
        if claimed is not None:
            return Routed((claimed,), owner, None, private)
        return Routed(self._free(owner), owner, None, private)


def _step(context: dict[str, Any]) -> str | None:
    cx = context.get("cx")
    dialog = getattr(cx, "dialog", None)
    step = getattr(dialog, "step", None)
    return step if isinstance(step, str) else None


def _payload(context: dict[str, Any]) -> dict[str, Any] | None:
    payload = getattr(context.get("cx"), "payload", None)
    return payload if isinstance(payload, dict) else None


class RouteHandler(ABCHandler[Any]):
    """Step 1: puts the event's ``Routed`` into vkbottle's context; takes nothing."""

    blocking = False

    def __init__(self, route: Callable[[Any, str | None, dict[str, Any] | None], Routed]) -> None:
        self.route = route

    async def filter(self, event: Any, context: dict[str, Any] | None = None) -> dict[str, Any]:
        known = context or {}
        return {ROUTED: self.route(event, _step(known), _payload(known))}

    async def handle(self, event: Any, **context: Any) -> None:
        return None


class RoutedHandler(ABCHandler[Any]):
    """A handler of core (``plugin`` None) or of one plugin: tried only for events routed to
    that plugin; marks the event taken when it runs."""

    def __init__(self, inner: ABCHandler[Any], plugin: str | None) -> None:
        check_signature(inner)
        self.inner = inner
        self.plugin = plugin
        self.blocking = inner.blocking

    @property
    def handler(self) -> Any:
        return getattr(self.inner, "handler", None)

    async def filter(
        self, event: Any, context: dict[str, Any] | None = None
    ) -> dict[str, Any] | bool:
        if self.plugin is not None:
            routed = (context or {}).get(ROUTED)
            if not isinstance(routed, Routed) or self.plugin not in routed.chain:
                return False
        return await self.inner.filter(event, context)

    async def handle(self, event: Any, **context: Any) -> Any:
        routed = context.get(ROUTED)
        if isinstance(routed, Routed):
            routed.taken = True
        return await self.inner.handle(event, **context)

    def __repr__(self) -> str:
        return f"<RoutedHandler {self.plugin or 'core'} {self.inner!r}>"


class Handover(ABCHandler[Any]):
    """Between the other plugins and the main one: typed text the dialog's plugin did not take
    ends that dialog before the main plugin sees it (which then reads "no dialog")."""

    blocking = False

    def __init__(self, routes: Routes, flows: dict[str, tuple[str, ...]]) -> None:
        self.routes = routes
        self.flows = flows

    async def filter(self, event: Any, context: dict[str, Any] | None = None) -> bool:
        routed = (context or {}).get(ROUTED)
        return (
            isinstance(routed, Routed)
            and routed.private
            and not routed.taken
            and routed.owner is not None
            and routed.owner != self.routes.main
            and self.routes.main in routed.chain
        )

    async def handle(self, event: Any, **context: Any) -> None:
        routed: Routed = context[ROUTED]
        cx = context.get("cx")
        owner = routed.owner
        if cx is not None and owner is not None and any(map(cx.dialog.in_flow, self.flows[owner])):
            await cx.finish()


def install(
    labeler: BotLabeler,
    core: Sequence[BotLabeler],
    plugins: Sequence[Plugin],
    routes: Routes,
    *,
    navigation: ABCHandler[Any],
    fallback: ABCHandler[Any],
) -> None:
    """Mount core's and the plugins' handlers into ``labeler`` in the order described above.

    The sources are not changed (a plugin may run in several communities): their handlers are
    wrapped, never moved."""
    messages = labeler.message_view.handlers
    messages.append(RouteHandler(routes.for_message))
    for source in core:
        messages.extend(RoutedHandler(h, None) for h in source.message_view.handlers)
    messages.append(navigation)
    # The main plugin last: the dialog's plugin, when another, is tried before it.
    ordered = sorted(plugins, key=lambda plugin: plugin.name == routes.main)
    flows = {plugin.name: plugin.flows for plugin in plugins}
    for plugin in ordered:
        if plugin.name == routes.main and len(plugins) > 1:
            messages.append(Handover(routes, flows))
        for source in plugin.labelers:
            messages.extend(RoutedHandler(h, plugin.name) for h in source.message_view.handlers)
    messages.append(fallback)

    raw = labeler.raw_event_view.handlers
    owners: list[tuple[str | None, BotLabeler]] = [(None, lab) for lab in core]
    owners += [(plugin.name, lab) for plugin in plugins for lab in plugin.labelers]
    for owner, source in owners:
        for event_type, basements in source.raw_event_view.handlers.items():
            target = raw.setdefault(event_type, [])
            if not target:
                target.append(BotHandlerBasement(dict, RouteHandler(routes.for_event)))
            target.extend(
                dataclasses.replace(basement, handler=RoutedHandler(basement.handler, owner))
                for basement in basements
            )
