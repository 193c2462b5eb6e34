"""Pressed, PayloadOf, Typed and core's payload rules read the payload the middleware decoded
(``cx.payload``), on messages and on callback events, and combine with & | ~."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

import core.bot.payload
import core.rules
from core.bot import Command, Ctx, Payload, PayloadHas, PayloadOf, Pressed, PrivateChat, Typed
from core.people import Identity
from core.runtime.dialogs import Dialog


class Mine(Payload, key="zr"):
    """The base of this module's payloads."""


class Open(Mine, action="open"):
    a: int


class Close(Mine, action="close"): ...


def cx_with(payload: dict[str, Any]) -> Ctx:
    return Ctx(
        services=None,  # type: ignore[arg-type]
        group_id=1,
        api=None,  # type: ignore[arg-type]
        identity=Identity(5, None),
        dialog=Dialog(1, 5),
        peer_id=5,
        payload=payload,
    )


def message(payload: str | None, text: str = "") -> Any:
    return SimpleNamespace(payload=payload, text=text, peer_id=5)


async def check(rule: Any, event: Any, cx: Ctx) -> Any:
    """As vkbottle calls a rule of a handler (And/Or/Not pass their context dict)."""
    if hasattr(rule, "rules"):
        return await rule.check(event, {"cx": cx})
    return await rule.check(event, cx=cx)


async def test_pressed_passes_the_parsed_instance() -> None:
    cx = cx_with({"zr": "open", "a": 3})
    assert await check(Pressed(Open), message('{"zr":"open","a":3}'), cx) == {"payload": Open(a=3)}
    assert await check(Pressed(Close), message('{"zr":"open","a":3}'), cx) is False
    assert await check(Pressed(Close, Open), message(None), cx) == {"payload": Open(a=3)}


async def test_a_forged_payload_does_not_match_and_does_not_raise() -> None:
    cx = cx_with({"zr": "open", "a": "drop table"})
    assert await check(Pressed(Open), message(None), cx) is False
    assert await check(PayloadOf("zr"), message(None), cx) == {"payload": cx.payload}


async def test_a_callback_event_matches_by_its_payload() -> None:
    # vkbottle's MessageEvent: the payload is already an object; the middleware put it on cx.
    event = SimpleNamespace(payload={"zr": "close"}, object=SimpleNamespace())
    cx = cx_with({"zr": "close"})
    assert await check(Pressed(Close), event, cx) == {"payload": Close()}
    # Without the middleware (a labeler driven by hand) the event's own payload is read.
    assert await Pressed(Close).check(event) == {"payload": Close()}


async def test_rules_read_cx_not_the_raw_payload() -> None:
    cx = cx_with({"zr": "close", "cmd": "help"})
    raw = message('{"zr": "open", "a": 1}')  # what cx says wins: it was decoded once
    assert await check(Pressed(Close), raw, cx) == {"payload": Close()}
    assert await check(Pressed(Open), raw, cx) is False
    assert await check(Command("help"), raw, cx) == {"payload": cx.payload}
    assert await check(PayloadHas(zr="close"), raw, cx) == {"payload": cx.payload}
    assert await check(Typed(), raw, cx) is False
    assert await check(Typed(), message(None, "hi"), cx_with({})) is True


async def test_they_combine_with_and_or_not() -> None:
    cx = cx_with({"zr": "open", "a": 9})
    event = message(None)
    both = PrivateChat() & Pressed(Open)
    assert await check(both, event, cx) == {"payload": Open(a=9)}
    assert await check(PrivateChat() & ~Pressed(Close), event, cx) == {}
    assert await check(Pressed(Close) | Pressed(Open), event, cx) == {"payload": Open(a=9)}


async def test_no_rule_decodes_the_payload_again(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[str] = []

    class Counting:
        @staticmethod
        def loads(text: str) -> Any:
            decoded.append(text)
            return json.loads(text)

        dumps = staticmethod(json.dumps)

    for module in (core.rules, core.bot.payload):
        monkeypatch.setattr(module, "json", Counting)
    raw = '{"zr": "open", "a": 2}'
    cx = cx_with(json.loads(raw))
    rules = [Pressed(Close), Command("menu"), PayloadHas(zr="x"), Typed(), Pressed(Open)]
    for rule in rules * 10:
        await check(rule, message(raw), cx)
    assert decoded == []


def test_pressed_needs_a_payload_not_a_base() -> None:
    with pytest.raises(TypeError):
        Pressed()
    with pytest.raises(Exception, match="base"):
        Pressed(Mine)
