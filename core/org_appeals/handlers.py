"""«Написать в школу» in a private dialog with a community: a person with a role in an
organisation writes to it; the organisation's admins read and answer it in the cabinet.

The dialog: (the organisation, for a person with roles in several) → the text, with photos or
documents if they like (copied once into the community's own files, core/vk/uploads.py, as
broadcasts and the Rosobrnadzor helper's appeals do) → a confirmation with the appeal's number.
Every step has «Отмена» (and «Назад» where there is a step before).

Core's handler, mounted before the plugins' (core/runtime/core_handlers.py): it takes «написать в
школу» and its own button (payload {"core": "appeal"}) whichever bots the community runs. The bare
word «обращение» belongs to a bot that has it (the Rosobrnadzor helper files appeals to the
supervisor by it): core takes it only when nothing else did, from the community's fallback
(``take_unclaimed``, core/runtime/fallback.py).
"""

from __future__ import annotations

import inspect
import logging
import re
from typing import Any

from vkbottle.dispatch.rules import ABCRule
from vkbottle.framework.labeler import BotLabeler
from vkbottle.tools.mini_types.bot import MessageMin

from core import keyboards
from core.navigation import nav_word
from core.rules import payload_of
from core.runtime.context import Ctx
from core.verification.school_names import short_name
from core.vk.uploads import files_in, keep_all

from .store import MAX_FILES, MAX_TEXT, OrgAppealStore
from .texts import T

log = logging.getLogger("sferum.org_appeals")
labeler = BotLabeler()

FLOW = "core.appeal."
KEY = "appeal"  # payload {"core": "appeal", ...}
START = {"core": KEY}
CANCEL = {"core": KEY, "do": "cancel"}
BACK = {"core": KEY, "do": "back"}
CHAT_PEERS = 2_000_000_000
# Typed words that start the dialog in any community; «обращение» only from the fallback.
START_WORDS = frozenset(
    {
        "написать в школу",
        "обращение в школу",
        "написать в организацию",
        "обращение в организацию",
        "написать администрации",
    }
)
LATE_WORDS = frozenset({"обращение", "написать обращение"})


def _word(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > 60:
        return ""
    text = re.sub(r"^[^\w/]+", "", text)  # the button's «✉️» typed back with its label
    word = re.sub(r"[!?.,\s]+$", "", text).lstrip("/").casefold()
    return " ".join(word.split())


def write_button() -> keyboards.Button:
    """«✉️ Написать в школу» for any keyboard of core's (the fallback's hint)."""
    return (T.label("write"), START)


# --- the steps -------------------------------------------------------------------------------
async def start(message: MessageMin, cx: Ctx) -> None:
    orgs = list(dict.fromkeys(role.org_id for role in cx.identity.roles))
    if cx.person_id is None or not orgs:
        if cx.dialog.in_flow(FLOW):
            await cx.finish()
        await message.answer(T.render("prompt.j2", step="no_role"))
        return
    if len(orgs) == 1:
        await ask_text(message, cx, orgs[0], several=False)
        return
    buttons: list[keyboards.Button] = []
    for org_id in orgs:
        org = await cx.services.people.organisation(org_id)
        if org is not None:
            buttons.append((short_name(org.name), {"core": KEY, "org": org.id}))
    await cx.goto(FLOW + "org")
    rows = [*keyboards.chunk(buttons[:8], 1), keyboards.nav_row(None, CANCEL)]
    await message.answer(T.render("prompt.j2", step="choose_org"), keyboard=keyboards.build(rows))


async def ask_text(
    message: MessageMin,
    cx: Ctx,
    org_id: int,
    *,
    several: bool,
    problem: str = "",
    length: int = 0,
) -> None:
    org = await cx.services.people.organisation(org_id)
    await cx.goto(FLOW + "text", org=org_id, several=several)
    rows = [keyboards.nav_row(BACK if several else None, CANCEL)]
    await message.answer(
        T.render(
            "prompt.j2",
            step="text",
            org=short_name(org.name) if org else "",
            problem=problem,
            length=length,
            limit=MAX_TEXT,
            files=MAX_FILES,
        ),
        keyboard=keyboards.build(rows),
    )


async def chose_org(message: MessageMin, cx: Ctx, payload: dict[str, Any]) -> None:
    org_id = payload.get("org")
    mine = {role.org_id for role in cx.identity.roles}
    if not isinstance(org_id, int) or isinstance(org_id, bool) or org_id not in mine:
        await start(message, cx)
        return
    await ask_text(message, cx, org_id, several=len(mine) > 1)


async def wrote_text(message: MessageMin, cx: Ctx) -> None:
    data = cx.dialog.data
    org_id = int(data.get("org") or 0)
    several = bool(data.get("several"))
    store = OrgAppealStore(cx.services.db, cx.services.clock)
    person_id = cx.person_id
    # The role may have been revoked while they wrote: checked again as the appeal is filed.
    author = None if person_id is None else await store.author(person_id, org_id)
    if person_id is None or author is None:
        await cx.finish()
        await message.answer(T.render("prompt.j2", step="no_role"), keyboard=keyboards.build([]))
        return
    text = (message.text or "").strip()
    if not text:
        await ask_text(message, cx, org_id, several=several, problem="empty")
        return
    if len(text) > MAX_TEXT:
        await ask_text(message, cx, org_id, several=several, problem="too_long", length=len(text))
        return
    files: list[list[str]] = []
    failed: list[tuple[str, str]] = []
    if files_in(message):
        files, failed = await keep_all(cx.api, message, [], MAX_FILES)
    appeal = await store.file(person_id, org_id, cx.group_id, text, files, author=author)
    await cx.finish()
    log.info("appeal %s to organisation %s filed", appeal.id, org_id)
    await message.answer(
        T.render(
            "prompt.j2",
            step="sent",
            appeal=appeal,
            org=short_name(appeal.org_name),
            attached=len(files),
            failed=failed,
            files=MAX_FILES,
        ),
        keyboard=keyboards.build([]),
    )


async def cancel(message: MessageMin, cx: Ctx) -> None:
    await cx.finish()
    await message.answer(T.render("prompt.j2", step="cancelled"), keyboard=keyboards.build([]))


async def back(message: MessageMin, cx: Ctx) -> None:
    await start(message, cx)


# --- one routed entry point ---------------------------------------------------------------
class AppealRoute(ABCRule[MessageMin]):
    """Picks the step's handler in plain Python (one rule per message, as verification does)."""

    async def check(self, event: MessageMin, cx: Ctx) -> bool | dict[str, Any]:
        if event.peer_id >= CHAT_PEERS:
            return False
        payload = payload_of(event) if event.payload else {}
        mine = payload.get("core") == KEY
        step = cx.dialog.step
        if step is not None and step.startswith(FLOW):
            if mine and payload.get("do") == "cancel":
                return {"route": cancel}
            if mine and payload.get("do") == "back":
                return {"route": back}
            if mine and "org" in payload:
                return {"route": chose_org, "payload": payload}
            if mine:
                return {"route": start}
            if payload or (not files_in(event) and nav_word(event.text) is not None):
                # Another bot's button, «меню», «Начать»: the person has moved on.
                await cx.finish()
                return False
            if step == FLOW + "text":
                return {"route": wrote_text}
            return {"route": start}  # typed at the organisation step: the choice again
        if mine or payload.get("cmd") == KEY or _word(event.text) in START_WORDS:
            return {"route": start}
        return False


@labeler.message(AppealRoute())
async def appeal_entry(
    message: MessageMin, cx: Ctx, route: Any, payload: dict[str, Any] | None = None
) -> None:
    arguments = inspect.signature(route).parameters
    await route(message, cx, **({"payload": payload} if "payload" in arguments else {}))


async def take_unclaimed(message: MessageMin, cx: Ctx) -> bool:
    """From the fallback: «обращение» that no bot of the community took starts the dialog."""
    if message.peer_id >= CHAT_PEERS or message.payload or _word(message.text) not in LATE_WORDS:
        return False
    await start(message, cx)
    return True
