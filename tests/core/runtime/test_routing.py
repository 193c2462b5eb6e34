"""The routing table of one community (core/runtime/routing.py): payload keys, dialog steps and
the main plugin decide which plugin's handlers an event may reach; clashes are refused at start."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from vkbottle.framework.labeler import BotLabeler

from core.plugins import Plugin, PluginLoadError, validate
from core.plugins.spec import MenuReason
from core.runtime.routing import Routed, Routes, nav_word
from core.texts import CORE_TEXTS


def plugin(name: str, *keys: str, flows: tuple[str, ...] = ()) -> Plugin:
    return Plugin(
        name=name,
        title=name,
        labelers=[BotLabeler()],
        texts=CORE_TEXTS,
        payload_keys=keys,
        dialog_prefixes=flows,
    )


TRAINER = plugin("exam_trainer", "et")
ADVISOR = plugin("advisor_broadcast", "ab", flows=("advisor.",))
HELPER = plugin("rosobrnadzor_helper", "rb")
SHARED = Routes([ADVISOR, TRAINER, HELPER], main="rosobrnadzor_helper")


def message(text: str = "", payload: dict[str, Any] | None = None, peer_id: int = 7) -> Any:
    raw = json.dumps(payload) if payload is not None else None
    return SimpleNamespace(text=text, payload=raw, peer_id=peer_id)


def route(text: str = "", payload: dict[str, Any] | None = None, *, step: str | None = None,
          peer_id: int = 7, routes: Routes = SHARED) -> Routed:  # fmt: skip
    return routes.for_message(message(text, payload, peer_id), step)


def test_a_plugins_payload_key_reaches_that_plugin_only() -> None:
    assert route("Тренироваться", {"et": "train"}).chain == ("exam_trainer",)
    # Wherever the person's dialog is.
    assert route("Меню", {"ab": "menu"}, step="exam_trainer.train").chain == ("advisor_broadcast",)
    assert route("x", {"cmd": "exam_trainer"}).chain == ("exam_trainer",)
    assert route("Меню", {"et": "menu"}).nav is None  # the plugin's own menu button


def test_free_text_goes_to_the_dialogs_plugin_then_the_main_one() -> None:
    assert route("как подать апелляцию?").chain == ("rosobrnadzor_helper",)
    typed = route("12", step="exam_trainer.train")
    assert (typed.chain, typed.owner) == (("exam_trainer", "rosobrnadzor_helper"), "exam_trainer")
    assert route("текст", step="advisor.text").chain == ("advisor_broadcast", "rosobrnadzor_helper")
    # Core's own dialog belongs to no plugin; the main plugin's dialog is not listed twice.
    assert route("9А", step="core.join.group").chain == ("rosobrnadzor_helper",)
    assert route("x", step="rosobrnadzor_helper.appeal.text").chain == ("rosobrnadzor_helper",)
    # A payload nobody here claims (a bot not in this community) is free text too.
    assert route("Афиша", {"pk": "menu"}).chain == ("rosobrnadzor_helper",)
    assert route("x").last == "rosobrnadzor_helper" and Routes([], None).main is None


def test_navigation_words_and_vks_start_button() -> None:
    assert route("Начать", {"command": "start"}).nav is MenuReason.START
    assert route("Меню!").nav is MenuReason.MENU
    assert route("  помощь ").nav is MenuReason.HELP
    assert route("/start").nav is MenuReason.START
    assert route("x", {"cmd": "menu"}).nav is MenuReason.MENU
    assert route("меню", {"zz": 1}).nav is MenuReason.MENU  # a stale button labelled «Меню»
    assert route("покажи меню").nav is None and route("помощь с апелляцией").nav is None
    assert nav_word("меню " * 20) is None and nav_word(None) is None


def test_group_chats_are_marked() -> None:
    assert route("меню").private
    assert not route("меню", peer_id=2_000_000_001).private


def test_a_single_plugin_is_its_communitys_main_one() -> None:
    alone = Routes([TRAINER], None)
    assert alone.main == "exam_trainer"
    assert route("привет", routes=alone).chain == ("exam_trainer",)


def test_callback_buttons_route_by_payload_and_other_events_reach_everyone() -> None:
    press = {"type": "message_event", "object": {"payload": {"et": "x"}, "peer_id": 5}}
    assert SHARED.for_event(press, None).chain == ("exam_trainer",)
    other = {"type": "message_event", "object": {"payload": {"zz": 1}, "peer_id": 5}}
    assert SHARED.for_event(other, "advisor.text").chain == (
        "advisor_broadcast",
        "rosobrnadzor_helper",
    )
    allow = {"type": "message_allow", "object": {"user_id": 5}}
    assert set(SHARED.for_event(allow, None).chain) == {
        "advisor_broadcast",
        "exam_trainer",
        "rosobrnadzor_helper",
    }
    in_chat = {"type": "message_event", "object": {"payload": {}, "peer_id": 2_000_000_003}}
    assert not SHARED.for_event(in_chat, None).private


@pytest.mark.parametrize(
    ("plugins", "main", "problem"),
    [
        ([TRAINER, plugin("other", "et")], "other", "payload key 'et' is also 'exam_trainer'"),
        (
            [plugin("one", flows=("school.",)), plugin("two", flows=("school.sub.",))],
            "one",
            "overlaps 'one'",
        ),
        ([TRAINER, HELPER], None, "name the main plugin"),
        ([TRAINER], "rosobrnadzor_helper", "is the main plugin but not one of"),
    ],
)
def test_communities_that_cannot_route_are_refused(
    plugins: list[Plugin], main: str | None, problem: str
) -> None:
    with pytest.raises(PluginLoadError, match=problem):
        Routes(plugins, main)


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        (plugin("x_bot", "cmd"), "belongs to core"),
        (plugin("x_bot", "Et"), "must match"),
        (plugin("x_bot", flows=("core.mine.",)), "must end with '.' and not start with 'core.'"),
        (plugin("x_bot", flows=("nodot",)), "must end with '.'"),
    ],
)
def test_routing_metadata_is_validated_at_load(bad: Plugin, problem: str) -> None:
    with pytest.raises(PluginLoadError, match=problem):
        validate(bad, "x_bot")


def test_the_shipped_bots_declare_their_payload_keys_and_menus() -> None:
    from core.plugins import discover

    found = {p.name: p for p in discover()}
    assert {name: p.payload_keys for name, p in found.items()} == {
        "advisor_broadcast": ("ab",),
        "exam_trainer": ("et",),
        "pushkin_card": ("pk",),
        "rosobrnadzor_helper": ("rb",),
    }
    assert all(p.menu is not None for p in found.values())
    assert found["advisor_broadcast"].flows == ("advisor.",)
    # All four can share one community.
    assert Routes(list(found.values()), "pushkin_card").main == "pushkin_card"
