"""Seeding: the demo district's people (with Sferum profiles and chats) and named communities."""

from __future__ import annotations

from core.demo.district import District, build

from .records import CHAT_PEER_BASE, PLATFORM_WEB, Community, Page, Profile
from .state import SandboxState

# The demo municipalities as VK cities. Новосибирск is 99 on VK too; Бердск's id is the sandbox's
# own (database.getCities is not imitated, nothing looks the id up).
_CITIES = {"nsk": (99, "Новосибирск"), "berdsk": (1_000_001, "Бердск")}
# users_last_seen.platform of the demo people's last visits, in turn: Android, iPhone, the web,
# the mobile site.
_PLATFORMS = (4, 2, PLATFORM_WEB, 1)

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


def _pages(d: District) -> dict[str, Page]:
    """Sex, city and short address of each demo person's VK page. The district writes women's
    surnames in the feminine form (-ова, -ева, -ина), which is how sex is told here; the city is
    that of the person's school (a parent's: the child's); staff have a short address (their key,
    e.g. "smirnova"), the rest the plain "id<user id>"."""
    municipality = {school.key: school.municipality for school in d.schools}
    school_of = {staff.person: staff.school for staff in d.staff}
    for demo_class in d.classes:
        school_of.update(dict.fromkeys(demo_class.students, demo_class.school))
    for parent, children in d.parents.items():
        school_of[parent] = school_of[children[0]]
    return {
        p.key: Page(
            sex=1 if p.last_name.endswith("а") else 2,
            city=_CITIES.get(municipality[school_of[p.key]]) if p.key in school_of else None,
            screen_name=p.key if any(s.person == p.key for s in d.staff) else None,
        )
        for p in d.people
    }


def _last_visit(now: int, index: int) -> tuple[int, int]:
    """A visit from 5 minutes to 6 hours before the seeding, the same for a person every time."""
    return now - 60 * (5 + index * 47 % 360), _PLATFORMS[index % len(_PLATFORMS)]


def seed_demo(state: SandboxState, district: District | None = None) -> int:
    """Create the demo people and their chats; idempotent. Returns how many users were added."""
    d = district or build()
    vk = d.vk_ids()
    profiles = _profiles(d)
    pages = _pages(d)
    now = state.unix_now()
    added = 0
    for index, person in enumerate(d.people):
        user_id = vk.get(person.key)
        if user_id is None:
            continue  # no VK account yet: the journal-only parent
        user = state.users.get(user_id)
        if user is not None:
            user.profile = profiles[person.key]
        else:
            user = state.create_user(
                person.first_name, person.last_name, user_id, profiles[person.key]
            )
            added += 1
        user.page = pages[person.key]
        if user.last_seen is None:
            user.last_seen = _last_visit(now, index)
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
