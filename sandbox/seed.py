"""Seeding: the demo district's people (with Sferum profiles and chats) and named communities."""

from __future__ import annotations

from core.demo.district import District, build

from .records import CHAT_PEER_BASE, Community, Profile
from .state import SandboxState

_POSITIONS = {
    "teacher": "учитель",
    "class_teacher": "классный руководитель",
    "counsellor": "советник по воспитанию",
    "admin": "администратор",
    "operator": "оператор обращений",
    "director": "директор",
}


def _profiles(d: District) -> dict[str, Profile]:
    vk = d.vk_ids()
    schools = {school.key: school.name for school in d.schools}
    profiles = {
        p.key: Profile(birth_date=p.birth_date, is_adult=p.is_adult, phone=p.phone)
        for p in d.people
    }
    titles: dict[str, list[str]] = {key: [] for key in profiles}
    for staff in d.staff:
        profile = profiles[staff.person]
        profile.roles = (*profile.roles, "staff")
        profile.org_ids.add(staff.school)
        positions = ", ".join(_POSITIONS.get(p, p) for p in staff.positions)
        titles[staff.person].append(f"{positions} · {schools[staff.school]}")
    class_of: dict[str, tuple[str, str]] = {}
    for demo_class in d.classes:
        for student in demo_class.students:
            profile = profiles[student]
            profile.roles = (*profile.roles, "student")
            profile.org_ids.add(demo_class.school)
            profile.group_ids.add(demo_class.key)
            class_of[student] = (demo_class.name, demo_class.school)
            titles[student].append(f"ученик {demo_class.name} · {schools[demo_class.school]}")
    for parent, children in d.parents.items():
        profile = profiles[parent]
        profile.roles = (*profile.roles, "parent")
        names = []
        for child in children:
            class_name, school = class_of[child]
            profile.org_ids.add(school)
            if child in vk:
                profile.children.add(vk[child])
            names.append(f"{d.person(child).first_name} ({class_name})")
        titles[parent].append("родитель: " + ", ".join(names))
    for owner, contact in d.contacts:
        if contact in vk:
            profiles[owner].contacts.add(vk[contact])
    for key, profile in profiles.items():
        profile.title = "; ".join(titles[key]) or "без подтверждённой роли"
    return profiles


def seed_demo(state: SandboxState, district: District | None = None) -> int:
    """Create the demo people and their chats; idempotent. Returns how many users were added."""
    d = district or build()
    vk = d.vk_ids()
    profiles = _profiles(d)
    added = 0
    for person in d.people:
        user_id = vk.get(person.key)
        if user_id is None:
            continue  # no VK account yet: the journal-only parent
        if user_id in state.users:
            state.users[user_id].profile = profiles[person.key]
            continue
        state.create_user(person.first_name, person.last_name, user_id, profiles[person.key])
        added += 1
    # Chat peers match core.demo.loader (2000000000 + position), so both sides agree on them.
    for index, (_key, title, _school, members) in enumerate(d.chats, start=1):
        peer_id = CHAT_PEER_BASE + index
        member_ids = [vk[m] for m in members if m in vk]
        chat = state.chats.get(peer_id)
        if chat is None:
            chat = state.create_chat(title, member_ids[0], peer_id)
        state.add_chat_members(chat, member_ids, [])
    return added


def seed_communities(state: SandboxState, names: tuple[str, ...] | list[str]) -> list[Community]:
    """The named communities, created when missing (matched by name)."""
    found: list[Community] = []
    for name in names:
        community = state.community_by_name(name) or state.create_community(name)
        found.append(community)
    return found
