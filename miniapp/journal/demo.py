"""The demo district's e-journal: the first half-year of 2026/27 for the six demo classes.

Deterministic (seeded by names): the same timetable, homework and marks on every load, so tests
and screenshots can refer to them. The term is written for 2026/27 and moved by whole weeks to the
week it is loaded in (``DemoCalendar``), so the loading day always falls in the second quarter.
Everything is dated over the whole term; the mini-app shows only what is dated up to today, so
the journal "fills up" as time passes.

The demo district has three teaching staff in СОШ № 112 and two in Гимназия № 5 — too few to
teach four classes without being in two rooms at once — so a few journal-only teachers (no VK
account) take the remaining subjects. The timetable is built so that no teacher is ever given
two lessons at the same time.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.demo.calendar import demo_shift
from core.demo.district import District, build
from core.demo.loader import load_demo
from core.people import PeopleRepository, Position, RoleKind
from core.storage import Database

from .store import JournalWriter

SOURCE = "demo"

# The calendar as written for 2026/27; loaded in another week, every date moves by the same
# whole number of weeks (core.demo.calendar), so "today" is always in the second quarter.
_YEAR = (date(2026, 9, 1), date(2027, 5, 31))
_HALF = ("1 полугодие", date(2026, 9, 1), date(2026, 12, 28))
_QUARTERS = (
    ("q1", "1 четверть", date(2026, 9, 1), date(2026, 10, 25)),
    ("q2", "2 четверть", date(2026, 11, 5), date(2026, 12, 28)),
)
# Autumn holidays and День народного единства (4 November).
_HOLIDAYS = tuple(date(2026, 10, 26) + timedelta(days=n) for n in range(10))


@dataclass(frozen=True)
class DemoCalendar:
    """The demo school year moved by ``shift`` (whole weeks) from the one written above."""

    shift: timedelta = timedelta(0)

    @classmethod
    def at(cls, moment: datetime) -> DemoCalendar:
        return cls(demo_shift(moment))

    def _day(self, day: date) -> date:
        return day + self.shift

    @property
    def year(self) -> tuple[str, date, date]:
        start, end = (self._day(d) for d in _YEAR)
        first = start.year if start.month >= 7 else start.year - 1
        return f"{first}/{first + 1} учебный год", start, end

    @property
    def half(self) -> tuple[str, date, date]:
        return _HALF[0], self._day(_HALF[1]), self._day(_HALF[2])

    @property
    def quarters(self) -> tuple[tuple[str, str, date, date], ...]:
        return tuple((k, t, self._day(a), self._day(b)) for k, t, a, b in _QUARTERS)

    @property
    def holidays(self) -> frozenset[date]:
        return frozenset(self._day(d) for d in _HOLIDAYS)

    def school_days(self) -> list[date]:
        _, start, end = self.half
        return school_days(start, end, self.holidays)


BELLS = (
    ("08:30", "09:10"),
    ("09:20", "10:00"),
    ("10:20", "11:00"),
    ("11:20", "12:00"),
    ("12:10", "12:50"),
    ("13:00", "13:40"),
)

SUBJECTS: dict[str, str] = {
    "rus": "Русский язык",
    "lit": "Литература",
    "math": "Математика",
    "alg": "Алгебра",
    "geom": "Геометрия",
    "prob": "Вероятность и статистика",
    "eng": "Английский язык",
    "hist": "История",
    "soc": "Обществознание",
    "geo": "География",
    "bio": "Биология",
    "phys": "Физика",
    "chem": "Химия",
    "inf": "Информатика",
    "pe": "Физическая культура",
    "obzr": "ОБЗР",
    "art": "Изобразительное искусство",
    "music": "Музыка",
    "tech": "Труд (технология)",
}

# Hours a week by grade, after the federal curriculum (ФООП), trimmed to a 5-day week.
_JUNIOR = (("rus", 5), ("lit", 3), ("math", 5), ("eng", 3), ("hist", 2), ("bio", 1),
           ("geo", 1), ("art", 1), ("music", 1), ("tech", 2), ("pe", 2))  # fmt: skip
_GRADE7 = (("rus", 4), ("lit", 2), ("alg", 3), ("geom", 2), ("prob", 1), ("eng", 3),
           ("hist", 2), ("soc", 1), ("bio", 1), ("geo", 2), ("phys", 2), ("inf", 1),
           ("music", 1), ("tech", 1), ("pe", 2))  # fmt: skip
_GRADE9 = (("rus", 3), ("lit", 3), ("alg", 3), ("geom", 2), ("eng", 3), ("hist", 2),
           ("soc", 1), ("geo", 2), ("bio", 2), ("phys", 3), ("chem", 2), ("inf", 1),
           ("pe", 2), ("obzr", 1))  # fmt: skip
_SENIOR = (("rus", 2), ("lit", 3), ("alg", 3), ("geom", 2), ("prob", 1), ("eng", 3),
           ("hist", 2), ("soc", 2), ("geo", 1), ("bio", 1), ("phys", 2), ("chem", 1),
           ("inf", 1), ("pe", 2), ("obzr", 1))  # fmt: skip
DAY_LENGTHS = {26: (5, 6, 5, 5, 5), 27: (6, 5, 6, 5, 5), 28: (6, 6, 5, 6, 5), 30: (6,) * 5}


def curriculum(grade: int) -> tuple[tuple[str, int], ...]:
    if grade <= 6:
        return _JUNIOR
    if grade <= 8:
        return _GRADE7
    if grade == 9:
        return _GRADE9
    return _SENIOR


@dataclass(frozen=True)
class JournalTeacher:
    """A journal-only teacher (no VK account) who takes subjects the demo staff cannot."""

    key: str
    first_name: str
    last_name: str
    school: str


EXTRA_TEACHERS = (
    JournalTeacher("pavlova", "Галина", "Павлова", "s112"),
    JournalTeacher("belyaeva", "Светлана", "Беляева", "s112"),
    JournalTeacher("grigoriev", "Андрей", "Григорьев", "s112"),
    JournalTeacher("zaitseva", "Наталья", "Зайцева", "s112"),
    JournalTeacher("tarasov", "Виктор", "Тарасов", "s112"),
    JournalTeacher("komarova", "Людмила", "Комарова", "s112"),
    JournalTeacher("medvedeva", "Ольга", "Медведева", "g5"),
    JournalTeacher("ershov", "Павел", "Ершов", "g5"),
    JournalTeacher("kiseleva", "Елена", "Киселёва", "g5"),
    JournalTeacher("frolov", "Игорь", "Фролов", "g5"),
)

# (teacher, subjects, classes or None for every class of the school), first match wins.
TEACHING: dict[str, tuple[tuple[str, frozenset[str], frozenset[str] | None], ...]] = {
    "s112": (
        ("smirnova", frozenset({"rus", "lit"}), frozenset({"s112-9a", "s112-11a"})),
        ("pavlova", frozenset({"rus", "lit"}), None),
        ("kuznetsov", frozenset({"math", "alg", "geom", "prob"}), None),
        ("morozova", frozenset({"hist", "soc", "geo"}), None),
        ("belyaeva", frozenset({"eng"}), None),
        ("grigoriev", frozenset({"phys", "inf"}), None),
        ("zaitseva", frozenset({"chem", "bio"}), None),
        ("tarasov", frozenset({"pe", "obzr"}), None),
        ("komarova", frozenset({"art", "music", "tech"}), None),
    ),
    "g5": (
        ("lebedeva", frozenset({"rus", "lit"}), None),
        ("novikov", frozenset({"math", "alg", "geom", "prob", "inf"}), None),
        ("medvedeva", frozenset({"eng"}), None),
        ("ershov", frozenset({"phys", "chem"}), None),
        ("kiseleva", frozenset({"hist", "soc", "geo", "bio"}), None),
        ("frolov", frozenset({"pe", "obzr", "art", "music", "tech"}), None),
    ),
}

ROOMS = {
    "smirnova": "каб. 21", "pavlova": "каб. 22", "kuznetsov": "каб. 34", "morozova": "каб. 27",
    "belyaeva": "каб. 15", "grigoriev": "каб. 41", "zaitseva": "каб. 38", "tarasov": "каб. 5",
    "komarova": "каб. 12", "lebedeva": "каб. 204", "novikov": "каб. 301",
    "medvedeva": "каб. 210", "ershov": "каб. 305", "kiseleva": "каб. 208", "frolov": "каб. 105",
}  # fmt: skip


def teacher_for(school: str, class_key: str, subject: str) -> str:
    for teacher, subjects, classes in TEACHING[school]:
        if subject in subjects and (classes is None or class_key in classes):
            return teacher
    raise LookupError(f"no demo teacher for {subject} in {class_key}")


def room_for(teacher: str, subject: str) -> str:
    return "спортзал" if subject == "pe" else ROOMS[teacher]


# --- homework texts ----------------------------------------------------------------------------
def _para(n: int, rng: random.Random) -> str:
    return f"§ {n}, ответить на вопросы после параграфа"


_HOMEWORK: dict[str, Callable[[int, random.Random], str]] = {
    "rus": lambda n, r: f"Упр. {20 + 4 * n + r.randint(0, 3)}, выучить правило на с. {8 + 2 * n}",
    "lit": lambda n, r: r.choice(
        (
            f"Прочитать с. {30 + 12 * n}–{42 + 12 * n}, ответить на вопросы",
            "Выучить стихотворение наизусть",
            f"Подготовить пересказ главы {1 + n % 9}",
        )
    ),
    "math": lambda n, r: f"№ {100 + 6 * n}, {102 + 6 * n}, {105 + 6 * n}",
    "alg": lambda n, r: f"П. {1 + n // 3}, № {50 + 5 * n}, {52 + 5 * n}, {54 + 5 * n}",
    "geom": lambda n, r: f"П. {1 + n // 2}, задачи № {10 + 3 * n}–{12 + 3 * n}",
    "prob": lambda n, r: f"§ {1 + n // 2}, задачи {1 + n % 5}–{3 + n % 5}",
    "eng": lambda n, r: f"Unit {1 + n // 6}: упр. {2 + n % 7} на с. {10 + 3 * n}, слова",
    "hist": lambda n, r: _para(1 + n // 2, r),
    "soc": lambda n, r: _para(1 + n, r),
    "geo": lambda n, r: f"§ {1 + n // 2}, контурная карта",
    "bio": lambda n, r: f"§ {1 + n}, заполнить таблицу в тетради",
    "phys": lambda n, r: f"§ {1 + n // 2}, упр. {1 + n // 2} (1–3)",
    "chem": lambda n, r: f"§ {1 + n}, задачи 1–3 после параграфа",
    "inf": lambda n, r: f"§ {1 + n}, задание в рабочей тетради",
    "obzr": lambda n, r: f"§ {1 + n}, памятка",
}


# --- the timetable ----------------------------------------------------------------------------
Occupancy = set[tuple[str, int, int]]  # (teacher, weekday, period) already taken


def _spread(plan: tuple[tuple[str, int], ...], lengths: tuple[int, ...], rng: random.Random
            ) -> list[Counter[str]]:  # fmt: skip
    """Subjects per weekday: each subject's hours spread over different days where possible."""
    days: list[Counter[str]] = [Counter() for _ in lengths]
    for subject, hours in sorted(plan, key=lambda item: (-item[1], item[0])):
        for _ in range(hours):
            open_days = [d for d in range(len(lengths)) if sum(days[d].values()) < lengths[d]]
            best = min(
                open_days, key=lambda d: (days[d][subject], sum(days[d].values()), rng.random())
            )
            days[best][subject] += 1
    return days


def _order(counts: Counter[str], weekday: int, teacher: Callable[[str], str], taken: Occupancy,
           rng: random.Random) -> list[str] | None:  # fmt: skip
    """Periods for one day so that no teacher is already busy at that period (backtracking over
    at most six lessons), or None when the day's subjects cannot be placed."""
    remaining = counts.copy()
    order: list[str] = []
    total = sum(counts.values())

    def place(period: int) -> bool:
        if period > total:
            return True
        candidates = sorted(s for s, n in remaining.items() if n > 0)
        rng.shuffle(candidates)
        for subject in candidates:
            if (teacher(subject), weekday, period) in taken:
                continue
            remaining[subject] -= 1
            order.append(subject)
            if place(period + 1):
                return True
            order.pop()
            remaining[subject] += 1
        return False

    return order if place(1) else None


def weekly_grid(school: str, class_key: str, grade: int, taken: Occupancy) -> dict[int, list[str]]:
    """Subjects by weekday (0 = Monday) in period order; marks the teachers' slots as taken.

    Tries a bounded number of seeded layouts until one puts no teacher in two rooms at once."""
    plan = curriculum(grade)
    lengths = DAY_LENGTHS[sum(hours for _, hours in plan)]

    def teacher(subject: str) -> str:
        return teacher_for(school, class_key, subject)

    for attempt in range(200):
        rng = random.Random(f"grid:{class_key}:{attempt}")
        days = _spread(plan, lengths, rng)
        grid: dict[int, list[str]] = {}
        for weekday, counts in enumerate(days):
            order = _order(counts, weekday, teacher, taken, rng)
            if order is None:
                break
            grid[weekday] = order
        else:
            for weekday, order in grid.items():
                taken.update((teacher(s), weekday, p) for p, s in enumerate(order, start=1))
            return grid
    raise RuntimeError(f"no clash-free timetable for {class_key}")


def school_days(start: date, end: date, holidays: frozenset[date]) -> list[date]:
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in holidays:
            days.append(day)
        day += timedelta(days=1)
    return days


def _mark(ability: float, rng: random.Random) -> float:
    return float(max(2, min(5, round(ability + rng.gauss(0, 0.75)))))


@dataclass(frozen=True)
class DemoJournalSummary:
    classes: int
    lessons: int
    homework: int
    results: int


async def _person_ids(db: Database) -> dict[str, int]:
    rows = await db.fetchall(
        "SELECT id, external_id FROM persons WHERE external_id LIKE 'demo:%'",
    )
    ids: dict[str, int] = {}
    for row in rows:
        external = str(row["external_id"])
        for prefix in ("demo:person:", "demo:journal-teacher:"):
            if external.startswith(prefix):
                ids[external.removeprefix(prefix)] = int(row["id"])
    return ids


async def _external_ids(db: Database, sql: str, prefix: str) -> dict[str, int]:
    rows = await db.fetchall(sql, (prefix + "%",))
    return {str(row["external_id"]).removeprefix(prefix): int(row["id"]) for row in rows}


async def has_demo_district(db: Database) -> bool:
    found = await db.fetchval("SELECT 1 FROM groups WHERE external_id LIKE 'demo:group:%' LIMIT 1")
    return found is not None


@dataclass
class _BuiltClass:
    lessons: list[tuple[str, int, date, int, str, str, str, int | None, str]]
    items: list[dict[str, object]]
    results: list[tuple[str, str, int, float, date]]  # source, item source, student, score, day
    homework: int = 0


def _class_term(
    class_source: str,
    class_id: int,
    subject: str,
    hours: int,
    student_keys: tuple[str, ...],
    teacher_id: int,
    room: str,
    slots: list[tuple[date, int]],
    categories: dict[str, int],
    abilities: dict[str, float],
    persons: dict[str, int],
) -> _BuiltClass:
    """Lessons, line items and results of one subject class over the term (no I/O)."""
    built = _BuiltClass([], [], [])
    rng = random.Random(f"marks:{class_source}")
    text = _HOMEWORK.get(subject)
    for index, (day, period) in enumerate(slots):
        is_test = hours >= 2 and index % 8 == 7
        starts, ends = BELLS[period - 1]
        built.lessons.append(
            (
                f"{class_source}:lesson:{day.isoformat()}:{period}",
                class_id, day, period, starts, ends, room, teacher_id,
                "Контрольная работа" if is_test else "",
            )
        )  # fmt: skip
        if is_test:
            graded = list(student_keys)
            title, category = "Контрольная работа", categories["test"]
        else:
            graded = rng.sample(list(student_keys), rng.choice((0, 1, 1, 2, 2, 3)))
            title, category = "Работа на уроке", categories["classwork"]
        if graded:
            item = f"{class_source}:li:{index}"
            built.items.append(
                {
                    "source_id": item, "class_id": class_id, "title": title,
                    "category_id": category, "assigned_on": day, "due_on": day,
                    "value_min": 1, "value_max": 5, "set_by": teacher_id,
                }
            )  # fmt: skip
            for key in graded:
                built.results.append(
                    (f"{class_source}:r:{index}:{key}", item, persons[key],
                     _mark(abilities[key], rng), day)
                )  # fmt: skip
        if text is None or index + 1 >= len(slots) or rng.random() > 0.75:
            continue
        due = slots[index + 1][0]
        item = f"{class_source}:hw:{index}"
        built.items.append(
            {
                "source_id": item, "class_id": class_id, "title": "Домашнее задание",
                "category_id": categories["homework"], "description": text(index, rng),
                "assigned_on": day, "due_on": due, "value_min": 1, "value_max": 5,
                "set_by": teacher_id,
            }
        )  # fmt: skip
        built.homework += 1
        if rng.random() < 0.2:
            key = rng.choice(student_keys)
            built.results.append(
                (f"{class_source}:hwr:{index}:{key}", item, persons[key],
                 _mark(abilities[key], rng), due)
            )  # fmt: skip
    return built


async def load_demo_journal(
    people: PeopleRepository, district: District | None = None, *, with_district: bool = True
) -> DemoJournalSummary:
    """Write the demo journal (idempotent). Loads the demo district first unless told not to."""
    d = district or build()
    db = people.db
    if with_district:
        await load_demo(people, d)
    schools = await _external_ids(
        db, "SELECT id, external_id FROM organisations WHERE external_id LIKE ?", "demo:school:"
    )
    groups = await _external_ids(
        db, "SELECT id, external_id FROM groups WHERE external_id LIKE ?", "demo:group:"
    )
    for teacher in EXTRA_TEACHERS:
        person_id = await people.upsert_person(
            first_name=teacher.first_name,
            last_name=teacher.last_name,
            is_adult=True,
            external_id=f"demo:journal-teacher:{teacher.key}",
        )
        await people.grant_role(
            person_id,
            RoleKind.STAFF,
            schools[teacher.school],
            position=Position.TEACHER,
            method="demo",
        )
    persons = await _person_ids(db)
    abilities = {
        key: 3.3 + random.Random(f"ability:{key}").random() * 1.6
        for demo_class in d.classes
        for key in demo_class.students
    }
    lessons = homework = results = classes = 0
    calendar = DemoCalendar.at(people.clock.now())
    year, half = calendar.year, calendar.half
    async with db.transaction() as tx:
        w = JournalWriter(tx)
        year_id = await w.term(
            "demo:term:2026-year", title=year[0], kind="schoolYear", start=year[1], end=year[2]
        )
        half_id = await w.term(
            "demo:term:2026-h1",
            title=half[0],
            kind="semester",
            start=half[1],
            end=half[2],
            parent_id=year_id,
        )
        for key, title, start, end in calendar.quarters:
            await w.term(
                f"demo:term:2026-{key}",
                title=title,
                kind="gradingPeriod",
                start=start,
                end=end,
                parent_id=half_id,
            )
        categories = {
            "classwork": await w.category("demo:cat:classwork", title="Работа на уроке"),
            "test": await w.category("demo:cat:test", title="Контрольная работа", weight=2.0),
            "homework": await w.category(
                "demo:cat:homework", title="Домашнее задание", is_homework=True
            ),
        }
        days = calendar.school_days()
        taken_by_school: dict[str, Occupancy] = {}
        for demo_class in d.classes:
            school = demo_class.school
            grid = weekly_grid(
                school,
                demo_class.key,
                demo_class.grade,
                taken_by_school.setdefault(school, set()),
            )
            students = [persons[key] for key in demo_class.students]
            for subject, hours in curriculum(demo_class.grade):
                classes += 1
                teacher_key = teacher_for(school, demo_class.key, subject)
                teacher_id = persons[teacher_key]
                room = room_for(teacher_key, subject)
                class_source = f"demo:class:{demo_class.key}:{subject}"
                course_id = await w.course(
                    f"demo:course:{school}:{subject}:{demo_class.grade}",
                    title=SUBJECTS[subject],
                    org_id=schools[school],
                    code=f"{subject}-{demo_class.grade}",
                )
                class_id = await w.journal_class(
                    class_source,
                    org_id=schools[school],
                    kind="scheduled",
                    title=f"{SUBJECTS[subject]}, {demo_class.name}",
                    subject=SUBJECTS[subject],
                    course_id=course_id,
                    group_id=groups[demo_class.key],
                    location=room,
                )
                await w.class_terms(class_id, [half_id])
                await w.enroll(class_id, teacher_id, "teacher", primary=True)
                await w.enroll_many(class_id, students, "student")
                built = _class_term(
                    class_source, class_id, subject, hours, demo_class.students, teacher_id,
                    room, [(day, p) for day in days
                           for p, name in enumerate(grid[day.weekday()], start=1)
                           if name == subject],
                    categories, abilities, persons,
                )  # fmt: skip
                item_ids = await w.line_items(built.items)
                await w.lessons(built.lessons)
                await w.results(
                    (source, item_ids[item], student, score, "", day, "")
                    for source, item, student, score, day in built.results
                )
                lessons += len(built.lessons)
                homework += built.homework
                results += len(built.results)
    return DemoJournalSummary(classes=classes, lessons=lessons, homework=homework, results=results)
