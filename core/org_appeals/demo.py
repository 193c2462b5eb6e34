"""Two demo appeals to the demo school for the embedded sandbox, dated back from the injected
clock: a parent's, answered by the school's admin the next day (its answer is not sent again),
and a student's, new, for the admin to answer from the cabinet (it goes through the community
``group_id``, where the student reads it in the sandbox). Loaded once."""

from __future__ import annotations

from datetime import timedelta

from core.clock import ManualClock
from core.runtime.services import Services

from .store import OrgAppealStore

SCHOOL = "demo:school:s112"
DEMO_APPEALS = (
    # (author, days ago, text, answering admin or None, answer)
    (
        "pa04",
        3,
        "Здравствуйте! Сын пропустит уроки с 1 по 3 декабря из-за соревнований. "
        "Какие документы нужно принести в школу?",
        "orlov",
        "Добрый день! Принесите, пожалуйста, справку от спортивной школы о соревнованиях "
        "и заявление на имя директора — бланк есть у классного руководителя.",
    ),
    (
        "st09",
        1,
        "Можно ли в библиотеке взять учебник по физике на время, "
        "пока мой не вернули после ремонта?",
        None,
        "",
    ),
)


async def load_demo_org_appeals(services: Services, group_id: int) -> int:
    """File the demo appeals unless there are appeals already; how many were filed."""
    db = services.db
    if await db.fetchval("SELECT 1 FROM org_appeals LIMIT 1"):
        return 0
    school = await db.fetchval("SELECT id FROM organisations WHERE external_id = ?", (SCHOOL,))
    if school is None:
        return 0
    now = services.clock.now()
    past = ManualClock(now)
    store = OrgAppealStore(db, past)
    filed = 0
    for author, days_ago, text, admin, answer in DEMO_APPEALS:
        person = await db.fetchval(
            "SELECT id FROM persons WHERE external_id = ?", (f"demo:person:{author}",)
        )
        if person is None:
            continue
        past.set(now - timedelta(days=days_ago, hours=2))
        appeal = await store.file(int(person), int(school), group_id, text)
        if admin is not None:
            admin_id = await db.fetchval(
                "SELECT id FROM persons WHERE external_id = ?", (f"demo:person:{admin}",)
            )
            past.set(now - timedelta(days=days_ago - 1, hours=5))
            await store.mark_answered(appeal.id, int(admin_id), answer)
        filed += 1
    return filed
