"""The join dialog as a newcomer walks it through the sandbox, for the tests that need a pending
request to work with rather than the dialog itself (that is test_join_dialog_e2e.py)."""

from __future__ import annotations

from sferum.testing import Harness


async def request_to_join_7b(h: Harness, vk_id: int, name: str = "Орлов Михаил") -> int:
    """A new VK user (Миша Орлов) asks to be confirmed as a student of 7Б in СОШ № 112, writing
    ``name`` as their name, and sends the request; returns the request's id."""
    h.sandbox.runtime.state.create_user("Миша", "Орлов", vk_id)
    await h.say(vk_id, "подтвердить роль")
    for label in ("СОШ № 112", "Ученик", "7Б"):
        await h.tap(vk_id, label)
    await h.say(vk_id, name)
    await h.tap(vk_id, "Отправить заявку")
    return int(await h.services.db.fetchval("SELECT max(id) FROM join_requests"))
