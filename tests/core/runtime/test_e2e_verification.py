"""End to end through the sandbox: verification by journal code, visible in storage and policy."""

from pathlib import Path

from core.people import RoleKind
from core.policy import Outcome
from sferum.testing import bot_harness


async def test_unverified_user_becomes_verified_parent_by_journal_code(tmp_path: Path) -> None:
    async with bot_harness([], tmp_path) as h:
        services = h.services
        journal_mother = await h.person_id("pa11")  # in the journal, no VK account yet
        child = (await services.people.children_of(journal_mother))[0]
        school = (await services.people.active_roles(child.id))[0].org_id
        code = await services.verification.issue_code(journal_mother, RoleKind.PARENT, school)
        assert not await services.people.active_roles(journal_mother)

        newcomer = 900_001
        state = h.sandbox.runtime.state
        state.create_user("Наталья", "Егорова", newcomer)
        assert (await services.identities.get(newcomer)).as_sender() == RoleKind.NONE

        await h.say(newcomer, "ABCD-EFGH")  # a wrong code first
        assert "Код не найден" in h.last_reply(newcomer)["text"]
        await h.say(newcomer, code.lower().replace("-", " "))
        reply = h.last_reply(newcomer)["text"]
        assert "подтверждены как родитель" in reply and child.first_name in reply

        identity = await services.identities.get(newcomer)
        assert identity.as_sender() == RoleKind.PARENT
        assert identity.person is not None and identity.person.id == journal_mother
        history = await services.people.role_history(journal_mother)
        assert history[-1]["method"] == "journal_code"
        decision = await services.policy.decide_pair(journal_mother, child.id)
        assert decision.outcome == Outcome.ALLOW
        await h.say(newcomer, code)
        assert "уже использован" in h.last_reply(newcomer)["text"]
