"""The federal ranking's demo: ten more regions with their own weekly figures, so `sferum run`
shows a filled ranking, and the demo admin (orlov) made a federal admin.

Each demo region is a region organisation with its platform weekly sheet (``unit_week_stats``)
for the six weeks before the current one: the figures a region publishes, no schools or people
of its own. They are a pure function of the region's place in the list and the week's distance
from now (dated from the injected clock), so every load gives the same table.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from core.clock import Clock
from core.people import OrgKind, PeopleRepository
from core.regions import REGIONS
from core.storage import Database

from .federal import current_monday
from .federal_admins import FederalAdmins

# Region codes: Moscow, St Petersburg, Moscow oblast, Tatarstan, Sverdlovsk, Krasnodar,
# Bashkortostan, Krasnoyarsk, Primorye, Kaliningrad (zones from UTC+2 to UTC+10).
DEMO_CODES = ("77", "78", "50", "16", "66", "23", "02", "24", "25", "39")
WEEKS = 6
SOURCE = "demo"
FEDERAL_ADMIN = "orlov"


def figures(place: int, weeks_ago: int) -> dict[str, int]:
    """One demo region's week: registered people and the active among them."""
    teachers = 4_000 + 1_700 * ((place * 7) % 10)
    students = 45_000 + 19_000 * ((place * 3) % 10)
    # Shares from 30 to 80 %, each region with its own trend of a few points a week.
    teacher_pct = 30 + (place * 17) % 45 + ((place % 3) - 1) * (WEEKS - weeks_ago)
    student_pct = 25 + (place * 29) % 50 + ((place % 4) - 1) * (WEEKS - weeks_ago) // 2
    return {
        "teachers": teachers + teachers // 10,
        "teachers_registered": teachers,
        "teachers_active": teachers * teacher_pct // 100,
        "students": students + students // 8,
        "students_registered": students,
        "students_active": students * student_pct // 100,
    }


async def load_federal_demo(db: Database, clock: Clock, admin_vk_id: int | None = None) -> int:
    """Add the demo regions' weeks (once) and the federal admin; the number of regions added."""
    people = PeopleRepository(db, clock)
    now = clock.now()
    monday = current_monday(now)
    imported_at = now.astimezone(UTC).isoformat()
    added = 0
    for place, code in enumerate(DEMO_CODES, start=1):
        region = REGIONS[code]
        external = f"demo:federal:{code}"
        exists = await db.fetchval("SELECT 1 FROM organisations WHERE external_id = ?", (external,))
        org_id = await people.upsert_organisation(
            kind=OrgKind.REGION,
            name=region.name,
            region_code=code,
            timezone=region.timezone,
            external_id=external,
        )
        added += exists is None
        rows = []
        for weeks_ago in range(1, WEEKS + 1):
            week = (monday - timedelta(days=7 * weeks_ago)).isoformat()
            values = figures(place, weeks_ago)
            rows.append((week, org_id, *values.values(), SOURCE, imported_at))
        names = ", ".join(figures(1, 1))
        await db.executemany(
            db.dialect.insert_ignore(
                f"INTO unit_week_stats (week, org_id, {names}, source, imported_at) "
                f"VALUES ({', '.join('?' * (len(figures(1, 1)) + 4))})"
            ),
            rows,
        )
    if admin_vk_id is not None:
        person = await people.person_by_vk(admin_vk_id)
        if person is not None:
            await FederalAdmins(db, clock).add(person.id)
    return added
