"""Nobody reads what is not theirs: every journal URL of one person tried with everyone else's
session. Expected rights come from the demo district itself, not from the app's own answers."""

from __future__ import annotations

import itertools

from core.demo.district import build
from core.runtime.services import Services
from miniapp.journal.demo import SUBJECTS, teacher_for

from .conftest import BrowserFactory, me, vk

STUDENT_PAGES = ("schedule", "homework", "grades")
STUDENT_API = ("schedule", "homework", "grades")
CLASS_PAGES = ("journal", "homework")

# Viewers across roles, classes and both schools.
VIEWERS = (
    "st00", "st01", "st08", "st16",          # 5А, 5А, 9А (СОШ № 112), 6А (Гимназия № 5)
    "pa00", "pa01", "pa08",                  # pa00: st00 and st02; pa01: st01; pa08: st16
    "smirnova", "kuznetsov", "lebedeva",     # teachers in two schools
    "novikov", "orlov", "volkova",           # g5 teacher+admin, s112 admin, counsellor
    "guest-adult",                           # a VK user with no role
)  # fmt: skip

DISTRICT = build()
CLASS_OF = {s: c for c in DISTRICT.classes for s in c.students}


def student_urls(public_id: str) -> list[str]:
    return [f"/s/{public_id}/{page}" for page in STUDENT_PAGES] + [
        f"/api/journal/student/{public_id}/{part}" for part in STUDENT_API
    ]


def class_urls(public_id: str) -> list[str]:
    return [f"/c/{public_id}/{page}" for page in CLASS_PAGES] + [
        f"/api/journal/class/{public_id}/{part}" for part in CLASS_PAGES
    ]


def allowed_students(viewer: str) -> set[str]:
    own = {viewer} if viewer in CLASS_OF else set()
    return own | set(DISTRICT.parents.get(viewer, ()))


async def test_every_url_of_one_person_with_every_other_session(open_as: BrowserFactory) -> None:
    browsers = {key: await open_as(key) for key in VIEWERS}
    # Discover the public ids each viewer is offered, and check the offer itself.
    student_ids: dict[str, str] = {}  # public id -> student key
    class_ids: dict[str, str] = {}  # public id -> teacher key allowed
    names = {p.key: f"{p.first_name} {p.last_name}" for p in DISTRICT.people}
    for key, browser in browsers.items():
        data = await me(browser)
        offered = {item["name"]: item["id"] for item in data["students"]}  # type: ignore[attr-defined,index]
        assert set(offered) == {names[s] for s in allowed_students(key)}, key
        for student in allowed_students(key):
            student_ids[offered[names[student]]] = student
        for item in data["classes"]:  # type: ignore[attr-defined]
            subject, _, class_name = item["title"].rpartition(", ")
            demo_class = next(c for c in DISTRICT.classes if c.name == class_name and
                              any(s.school == c.school for s in DISTRICT.staff
                                  if s.person == key))  # fmt: skip
            code = next(code for code, title in SUBJECTS.items() if title == subject)
            assert teacher_for(demo_class.school, demo_class.key, code) == key
            class_ids[item["id"]] = key
    assert (
        set(student_ids.values()) == {"st00", "st01", "st02", "st08", "st16"}
        and len(set(class_ids.values())) == 4
    )

    checked = 0
    # Two classes per teacher keep the run short; every student URL is tried.
    per_teacher: dict[str, list[str]] = {}
    for public_id, teacher in class_ids.items():
        per_teacher.setdefault(teacher, []).append(public_id)
    sampled_classes = {pid: t for t, pids in per_teacher.items() for pid in pids[:2]}
    for viewer, browser in browsers.items():
        for public_id, student in student_ids.items():
            expected = 200 if student in allowed_students(viewer) else 403
            for url in student_urls(public_id):
                response = await browser.get(url)
                assert response.status == expected, (viewer, student, url)
                checked += 1
        for public_id, teacher in sampled_classes.items():
            expected = 200 if teacher == viewer else 403
            for url in class_urls(public_id):
                response = await browser.get(url)
                assert response.status == expected, (viewer, teacher, url)
                checked += 1
    assert checked > 800


async def test_named_cases(open_as: BrowserFactory) -> None:
    """The matrix's headline cases, readable one by one."""
    st00, st01, pa00, pa01 = [await open_as(k) for k in ("st00", "st01", "pa00", "pa01")]
    smirnova, kuznetsov, lebedeva = [
        await open_as(k) for k in ("smirnova", "kuznetsov", "lebedeva")
    ]
    st01_id = (await me(st01))["students"][0]["id"]  # type: ignore[index]
    st00_id = (await me(st00))["students"][0]["id"]  # type: ignore[index]
    # Another child (same class), and a parent's child that is not theirs.
    assert (await st00.get(f"/s/{st01_id}/grades")).status == 403
    assert (await pa00.get(f"/s/{st01_id}/grades")).status == 403
    assert (await pa01.get(f"/s/{st01_id}/grades")).status == 200
    assert (await pa01.get(f"/s/{st00_id}/grades")).status == 403
    # Teachers do not read students' diaries; they read their classes.
    assert (await kuznetsov.get(f"/s/{st00_id}/grades")).status == 403
    smirnova_classes = (await me(smirnova))["classes"]
    literature_9a = next(c["id"] for c in smirnova_classes if c["title"] == "Литература, 9А")  # type: ignore[index,union-attr]
    assert (await smirnova.get(f"/c/{literature_9a}/journal")).status == 200
    # Another class: Кузнецов teaches maths in 9А, not literature.
    assert (await kuznetsov.get(f"/c/{literature_9a}/journal")).status == 403
    # Another school.
    assert (await lebedeva.get(f"/c/{literature_9a}/journal")).status == 403
    assert (await lebedeva.get(f"/s/{st00_id}/schedule")).status == 403


async def test_ids_are_opaque_and_guesses_are_refused(
    open_as: BrowserFactory, services: Services
) -> None:
    st08 = await open_as("st08")
    public_id = (await me(st08))["students"][0]["id"]  # type: ignore[index]
    person_id = await services.db.fetchval(
        "SELECT id FROM persons WHERE vk_user_id = ?", (vk("st08"),)
    )
    assert isinstance(public_id, str) and len(public_id) == 16 and str(person_id) != public_id
    attacker = await open_as("st09")
    guesses = [str(person_id), str(person_id + 1), public_id[:-1] + "A", "../../etc/passwd",
               "x" * 16, "%27%20OR%201%3D1--", "0"]  # fmt: skip
    for guess in guesses:
        for url in (f"/s/{guess}/grades", f"/api/journal/student/{guess}/grades",
                    f"/c/{guess}/journal"):  # fmt: skip
            response = await attacker.get(url)
            assert response.status in (403, 404), (url, response.status)
    # An unknown id answers exactly like a forbidden one: no oracle for which ids exist.
    unknown = await attacker.get("/s/AAAAAAAAAAAAAAAA/grades")
    other_id = (await me(await open_as("st00")))["students"][0]["id"]  # type: ignore[index]
    forbidden = await attacker.get(f"/s/{other_id}/grades")
    assert unknown.status == forbidden.status == 403
    assert await unknown.text() == await forbidden.text()


async def test_unconfirmed_or_revoked_parent_loses_access(
    open_as: BrowserFactory, services: Services
) -> None:
    pa01 = await open_as("pa01")
    child_id = (await me(pa01))["students"][0]["id"]  # type: ignore[index]
    assert (await pa01.get(f"/s/{child_id}/grades")).status == 200
    parent = await services.people.person_by_vk(vk("pa01"))
    assert parent is not None
    await services.db.execute(
        "UPDATE parent_children SET confirmed = 0 WHERE parent_id = ?", (parent.id,)
    )
    assert (await pa01.get(f"/s/{child_id}/grades")).status == 403
    assert (await me(pa01))["students"] == []
    await services.db.execute(
        "UPDATE parent_children SET confirmed = 1 WHERE parent_id = ?", (parent.id,)
    )
    assert (await pa01.get(f"/s/{child_id}/grades")).status == 200
    for role in await services.people.active_roles(parent.id):
        await services.people.revoke_role(role.id, by_person_id=None, reason="test")
    services.identities.invalidate(vk("pa01"))
    assert (await pa01.get(f"/s/{child_id}/grades")).status == 403


def test_viewer_list_has_no_duplicates() -> None:
    assert len(set(VIEWERS)) == len(VIEWERS)
    assert all(a != b for a, b in itertools.combinations(VIEWERS, 2))
