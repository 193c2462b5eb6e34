"""What every handler of this plugin shares: the labeler, who is writing, their city."""

from __future__ import annotations

import logging

from core.bot import Ctx, Message, Router

from ..catalog import City
from ..kit import Kit
from ..profile import Viewer, city_from_school, viewer

log = logging.getLogger("sferum.pushkin_card")

labeler = Router()
FLOW = "pushkin_card."
MAX_PAGE = 500


async def who(cx: Ctx) -> Viewer:
    return await viewer(
        cx.services.people, cx.identity, cx.services.clock.now(), cx.services.settings.timezone
    )


async def leave_flow(cx: Ctx) -> None:
    """Pressing any of this plugin's buttons leaves a half-done step of its own dialogs."""
    if cx.dialog.in_flow(FLOW):
        await cx.finish()


async def current_city(cx: Ctx, person: Viewer) -> City | None:
    """The remembered city; else the school's city (remembered from now on); else None."""
    kit = Kit.of(cx.services)
    vk_id = person.vk_user_id
    name = await kit.prefs.city(vk_id)
    if name is not None:
        city = await kit.catalog.city(name)
        if city is not None:
            return city
    derived = await city_from_school(cx.services.people, kit.catalog, person.home)
    if derived is None:
        return None
    await kit.prefs.set_city(vk_id, derived)
    return await kit.catalog.city(derived)


async def ensure_person(cx: Ctx, message: Message) -> int | None:
    """A VK user the district does not know becomes a person with no role (core's way), named
    as on their VK page: favourites and the digest are stored per person. Nothing is asked."""
    if cx.person_id is not None:
        return cx.person_id
    vk_id = message.from_id
    try:
        users = await cx.api.users.get(user_ids=[vk_id])
        first, last = (users[0].first_name, users[0].last_name) if users else ("", "")
    except Exception:  # VK down: a name is not worth failing the whole action over
        log.warning("users.get failed for %s", vk_id, exc_info=True)
        first, last = "", ""
    person_id = await cx.services.people.ensure_vk_person(vk_id, first or "", last or "")
    cx.services.identities.invalidate(vk_id)
    return person_id


def page_no(page: int | None) -> int:
    """The page a button asks for, from 0; a forged number is brought back in range."""
    return min(max(page or 0, 0), MAX_PAGE)
