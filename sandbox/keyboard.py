"""Bot keyboards: parsing and VK's validation rules (error 911), normalised for message objects."""

from __future__ import annotations

import json
from typing import Any

from .errors import VkError, decoded_json, json_object

# VK's limits: a normal keyboard is at most 5 buttons wide, 10 rows high and 40 buttons in all;
# an inline one at most 5 wide, 6 high and 10 in all.
NORMAL_LIMITS = (5, 10, 40)
INLINE_LIMITS = (5, 6, 10)
LABEL_MAX = 40
PAYLOAD_MAX = 255

ACTION_TYPES = ("text", "callback", "open_link", "open_app", "location", "vkpay")
COLOURED = ("text", "callback")
# "secondary" is the documented name of the grey button; message objects call it "default".
COLOURS = {
    "primary": "primary",
    "secondary": "default",
    "default": "default",
    "negative": "negative",
    "positive": "positive",
}
LABELLED = ("text", "callback", "open_link", "open_app")


def _invalid(reason: str) -> VkError:
    return VkError(911, reason)


def _payload(action: dict[str, Any]) -> str | None:
    raw = action.get("payload")
    if raw is None:
        return None
    text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
    if len(text) > PAYLOAD_MAX:
        raise _invalid(f"payload must be no longer than {PAYLOAD_MAX} characters")
    decoded_json(text, "payload", _invalid)
    return text


def _button(raw: Any, author_id: int) -> dict[str, Any]:
    if not isinstance(raw, dict) or not isinstance(raw.get("action"), dict):
        raise _invalid("each button must be an object with an action")
    action = raw["action"]
    kind = action.get("type")
    if kind not in ACTION_TYPES:
        raise _invalid(f"unknown action type {kind!r}")
    out: dict[str, Any] = {"type": kind}
    if kind in LABELLED:
        label = action.get("label")
        if not isinstance(label, str) or not label.strip():
            raise _invalid("action.label is required")
        if len(label) > LABEL_MAX:
            raise _invalid(f"action.label must be no longer than {LABEL_MAX} characters")
        out["label"] = label
    # Message objects always carry label and payload (vkbottle's models require both).
    out.setdefault("label", "")
    out["payload"] = _payload(action) or ""
    if kind == "open_link":
        link = action.get("link")
        if not isinstance(link, str) or not link.startswith(("http://", "https://")):
            raise _invalid("action.link must be an http(s) URL")
        out["link"] = link
    elif kind == "open_app":
        try:
            out["app_id"] = int(action["app_id"])
            out["owner_id"] = int(action.get("owner_id", author_id))
        except (KeyError, TypeError, ValueError):
            raise _invalid("action.app_id must be an integer") from None
        if action.get("hash") is not None:
            out["hash"] = str(action["hash"])
    elif kind == "vkpay":
        if not isinstance(action.get("hash"), str):
            raise _invalid("action.hash is required for vkpay")
        out["hash"] = action["hash"]
    button: dict[str, Any] = {"action": out}
    colour = raw.get("color")
    if kind in COLOURED:
        if colour is not None and colour not in COLOURS:
            raise _invalid(f"unknown button color {colour!r}")
        button["color"] = COLOURS[colour or "secondary"]
    return button


def parse_keyboard(raw: str, author_id: int) -> dict[str, Any] | None:
    """The keyboard as VK stores it on the message, or None for an empty (hiding) keyboard."""
    data = json_object(raw, "keyboard", _invalid)
    buttons = data.get("buttons")
    if not isinstance(buttons, list) or not all(isinstance(row, list) for row in buttons):
        raise _invalid("buttons must be an array of rows")
    inline = bool(data.get("inline", False))
    one_time = bool(data.get("one_time", False))
    if inline and one_time:
        raise _invalid("one_time is not supported for inline keyboards")
    width, height, total = INLINE_LIMITS if inline else NORMAL_LIMITS
    rows = [row for row in buttons if row]
    if len(buttons) > height:
        raise _invalid(f"buttons rows count must be less or equal than {height}")
    if any(len(row) > width for row in rows):
        raise _invalid(f"buttons columns count must be less or equal than {width}")
    if sum(len(row) for row in rows) > total:
        raise _invalid(f"buttons count must be less or equal than {total}")
    parsed = [[_button(button, author_id) for button in row] for row in rows]
    if not parsed and not inline:
        # {"buttons": [], "one_time": true} is how a bot hides the keyboard.
        return None
    return {"one_time": one_time, "buttons": parsed, "author_id": author_id, "inline": inline}


def find_button(
    keyboard: dict[str, Any] | None, kind: str, payload: Any = None, label: str | None = None
) -> dict[str, Any] | None:
    """The first button of this kind whose label or payload matches (payload compared as JSON)."""
    if keyboard is None:
        return None
    for row in keyboard["buttons"]:
        for button in row:
            action: dict[str, Any] = button["action"]
            if action["type"] != kind:
                continue
            if label is not None and action.get("label") != label:
                continue
            if payload is not None and not _same_payload(action.get("payload"), payload):
                continue
            return action
    return None


def _same_payload(stored: str | None, wanted: Any) -> bool:
    if not stored:
        return False
    try:
        decoded = json.loads(stored)
    except ValueError:
        return False
    if isinstance(wanted, str):
        try:
            wanted = json.loads(wanted)
        except ValueError:
            return bool(stored == wanted)
    return bool(decoded == wanted)
