"""The inline keyboard under a monitoring summary: open the mini-app, this week, subscribe.

Callback payloads carry ``{"mon": action, "org": id}``; ``mon`` is this package's key, so
presses of other plugins' buttons in the same community are not ours.
"""

from __future__ import annotations

from typing import Any

from vkbottle import Callback, Keyboard, KeyboardButtonColor, VKApps

from .texts import T

KEY = "mon"
APP_HASH = "monitoring"


def payload(action: str, org_id: int) -> dict[str, Any]:
    return {KEY: action, "org": org_id}


def summary_keyboard(app_id: int, group_id: int, org_id: int, *, subscribed: bool) -> str:
    keyboard = Keyboard(inline=True)
    keyboard.add(VKApps(app_id, -group_id, label=T.label("open_app")[:40], hash=APP_HASH))
    keyboard.row()
    keyboard.add(Callback(T.label("this_week")[:40], payload("now", org_id)))
    keyboard.row()
    if subscribed:
        keyboard.add(Callback(T.label("unsubscribe")[:40], payload("unsub", org_id)))
    else:
        keyboard.add(
            Callback(T.label("subscribe")[:40], payload("sub", org_id)),
            color=KeyboardButtonColor.POSITIVE,
        )
    return keyboard.get_json()
