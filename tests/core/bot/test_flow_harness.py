"""A plugin's dialog through the sandbox: Back leads to the step it names, Cancel ends the
dialog with the plugin's menu, and the payload is decoded once per event for all the rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import core.runtime.middleware
from core.bot import (
    BackTo,
    Ctx,
    Flow,
    InDialog,
    Message,
    Payload,
    Plugin,
    Pressed,
    PrivateChat,
    Router,
    Texts,
    keyboards,
)
from core.texts import CORE_TEXTS
from sferum.testing import Harness, bot_harness

PREFIX = "fprobe."


class Probe(Payload, key="fp"):
    """The base of the probe's payloads."""


class Back(BackTo, Probe, action="back"): ...


class Cancel(Probe, action="cancel"): ...


class Start(Probe, action="start"): ...


class Next(Probe, action="next"):
    n: int


router = Router()
flow = Flow(PREFIX, back=Back, cancel=Cancel, texts=CORE_TEXTS)
seen: list[Any] = []


async def show(message: Message, cx: Ctx, step: str) -> None:
    await cx.goto(PREFIX + step)
    rows = [[("Дальше", Next(n=len(step)).pack())], flow.nav(step, cx)]
    await message.answer(f"шаг {step}", keyboard=keyboards.build(rows))


@flow.step("one")
async def step_one(message: Message, cx: Ctx) -> None:
    await show(message, cx, "one")


@flow.step("two", back_to="one")
async def step_two(message: Message, cx: Ctx) -> None:
    await show(message, cx, "two")


# Back of the last step depends on the dialog: where the person came from.
@flow.step("three", back_to=lambda cx: "one" if cx.dialog.data.get("skipped") else "two")
async def step_three(message: Message, cx: Ctx) -> None:
    await show(message, cx, "three")


async def menu(message: Message, cx: Ctx) -> None:
    await message.answer("меню пробы", keyboard=keyboards.build([[("Начать", Start().pack())]]))


flow.install(router, PrivateChat(), InDialog(prefix=PREFIX), on_cancel=menu)


@router.message(PrivateChat() & Pressed(Start))
async def start(message: Message, cx: Ctx) -> None:
    await step_one(message, cx)


@router.message(PrivateChat() & InDialog(prefix=PREFIX) & Pressed(Next))
async def next_step(message: Message, cx: Ctx, payload: Next) -> None:
    seen.append((payload, dict(cx.payload)))
    if cx.dialog.at(PREFIX + "one"):
        await step_two(message, cx)
    else:
        await step_three(message, cx)


PROBE = Plugin(
    name="flow_probe",
    title="Проба шагов",
    labelers=[router],
    texts=Texts.for_package("core"),
    payload_keys=("fp",),
    dialog_prefixes=(PREFIX,),
)


def last_text(h: Harness, vk: int) -> str:
    return str(h.last_reply(vk)["text"])


async def step_of(h: Harness, vk: int) -> str | None:
    return (await h.services.dialogs.load(h.group_id, vk)).step


async def test_back_goes_to_the_step_it_names_and_cancel_ends_with_the_menu(
    tmp_path: Path,
) -> None:
    async with bot_harness([PROBE], tmp_path) as h:
        st = h.vk("st10")
        await h.say(st, "Начать", Start().pack())
        assert last_text(h, st) == "шаг one"
        labels = [b["action"]["label"] for b in h.buttons(st)]
        assert "Назад" not in " ".join(labels)  # the first step has nowhere to go back to
        await h.tap(st, "Дальше")
        assert last_text(h, st) == "шаг two"
        assert seen[-1] == (Next(n=3), {"fp": "next", "n": 3})  # parsed, and on cx
        await h.tap(st, "Дальше")
        assert last_text(h, st) == "шаг three"
        back = h.find_button(st, CORE_TEXTS.label("back"))
        assert json.loads(back["action"]["payload"]) == {"fp": "back", "to": "two"}
        await h.tap(st, CORE_TEXTS.label("back"))
        assert last_text(h, st) == "шаг two"
        assert await step_of(h, st) == PREFIX + "two"
        await h.tap(st, CORE_TEXTS.label("cancel"))
        assert last_text(h, st) == "меню пробы"
        assert await step_of(h, st) is None


async def test_a_back_to_an_unknown_step_answers_with_the_menu(tmp_path: Path) -> None:
    async with bot_harness([PROBE], tmp_path) as h:
        st = h.vk("st10")
        await h.say(st, "Начать", Start().pack())
        await h.say(st, "Назад", {"fp": "back", "to": "nowhere"})
        assert last_text(h, st) == "меню пробы"
        await h.say(st, "Назад", {"fp": "back", "to": ["forged"]})
        assert last_text(h, st) == "меню пробы"


async def test_the_payload_is_decoded_once_per_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with bot_harness([PROBE], tmp_path) as h:
        st = h.vk("st10")
        await h.say(st, "Начать", Start().pack())
        decoded: list[str] = []
        real = json.loads

        class Counting:
            @staticmethod
            def loads(text: str) -> Any:
                decoded.append(text)
                return real(text)

            dumps = staticmethod(json.dumps)

        monkeypatch.setattr(core.runtime.middleware, "json", Counting)
        # Many rules of the probe (Pressed of four classes, InDialog...) see this one event.
        await h.tap(st, "Дальше")
        assert last_text(h, st) == "шаг two"
        assert [real(text) for text in decoded] == [{"fp": "next", "n": 3}]
