"""A teacher's classes: the class journal (students × marks) and the homework they set, and the
teacher's own week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from aiohttp import web

from ..access import ClassRef
from ..journal.abc import ClassJournal, Homework, Lesson, Term
from ..keys import ACCESS, PAGES, PROVIDER
from ..viewer import Viewer, current_viewer
from .common import WeekNav, parse_week, pick_term, week_days

HOMEWORK_PAST_DAYS = 14
HOMEWORK_AHEAD_DAYS = 14


@dataclass(frozen=True)
class JournalData:
    today: date
    terms: list[Term]
    term: Term | None
    journal: ClassJournal


@dataclass(frozen=True)
class ClassHomeworkData:
    today: date
    items: list[Homework]


@dataclass(frozen=True)
class TeacherWeek(WeekNav):
    days: list[tuple[date, list[Lesson]]]


async def requested_class(request: web.Request) -> tuple[Viewer, ClassRef, date]:
    """The class of the URL if the viewer teaches it (else AccessDenied), and their today."""
    viewer = await current_viewer(request)
    access = request.app[ACCESS]
    ref = await access.journal_class(viewer.identity, request.match_info["cid"])
    person = viewer.identity.person
    assert person is not None  # access checks let only known staff this far
    return viewer, ref, await access.today(person.id)


async def journal_data(
    app: web.Application, ref: ClassRef, today: date, term: str | None
) -> JournalData:
    provider = app[PROVIDER]
    terms = await provider.class_terms(ref.journal_class.ref)
    chosen = pick_term(terms, term, today)
    journal = await provider.class_journal(ref.journal_class.ref, chosen, today)
    return JournalData(today, terms, chosen, journal)


async def class_homework_data(app: web.Application, ref: ClassRef, today: date
                              ) -> ClassHomeworkData:  # fmt: skip
    items = await app[PROVIDER].class_homework(
        ref.journal_class.ref,
        today - timedelta(days=HOMEWORK_PAST_DAYS),
        today + timedelta(days=HOMEWORK_AHEAD_DAYS),
    )
    return ClassHomeworkData(today, items)


async def class_journal(request: web.Request) -> web.Response:
    viewer, ref, today = await requested_class(request)
    data = await journal_data(request.app, ref, today, request.query.get("term"))
    return request.app[PAGES].response(
        "class_journal.html", viewer=viewer, ref=ref, data=data, section="journal"
    )


async def class_homework(request: web.Request) -> web.Response:
    viewer, ref, today = await requested_class(request)
    data = await class_homework_data(request.app, ref, today)
    return request.app[PAGES].response(
        "class_homework.html", viewer=viewer, ref=ref, data=data, section="homework"
    )


async def week(request: web.Request) -> web.Response:
    viewer = await current_viewer(request)
    person = viewer.identity.person
    classes = await request.app[ACCESS].visible_classes(viewer.identity)
    if person is None or not classes:
        raise web.HTTPForbidden()
    today = await request.app[ACCESS].today(person.id)
    monday = parse_week(request.query.get("week"), today)
    lessons = await request.app[PROVIDER].teacher_week(person.id, monday)
    return request.app[PAGES].response(
        "teacher_week.html",
        viewer=viewer,
        data=TeacherWeek(monday, today, week_days(monday, lessons)),
    )
