"""A student's journal: week schedule, homework, grades. Parents see their children's through
the same pages (with a switcher between their own confirmed children)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from aiohttp import web

from ..access import StudentRef
from ..journal.abc import GradeReport, Homework, Lesson, Term
from ..keys import ACCESS, PAGES, PROVIDER
from ..viewer import Viewer, current_viewer
from .common import WeekNav, parse_week, pick_term, week_days

HOMEWORK_PAST_DAYS = 7
HOMEWORK_AHEAD_DAYS = 14


@dataclass(frozen=True)
class DaySchedule:
    day: date
    lessons: list[tuple[Lesson, list[Homework]]]


@dataclass(frozen=True)
class ScheduleData(WeekNav):
    days: list[DaySchedule]


@dataclass(frozen=True)
class HomeworkData:
    today: date
    upcoming: list[tuple[date | None, list[Homework]]]
    past: list[tuple[date | None, list[Homework]]]


@dataclass(frozen=True)
class GradesData:
    today: date
    report: GradeReport
    term: Term | None


async def requested_student(request: web.Request) -> tuple[Viewer, StudentRef]:
    """The student of the URL if the viewer may read their journal (else AccessDenied)."""
    viewer = await current_viewer(request)
    student = await request.app[ACCESS].student(viewer.identity, request.match_info["sid"])
    return viewer, student


def _by_day(items: list[Homework]) -> list[tuple[date | None, list[Homework]]]:
    grouped: dict[date | None, list[Homework]] = {}
    for item in items:
        grouped.setdefault(item.due_on, []).append(item)
    return list(grouped.items())


async def schedule_data(app: web.Application, student_id: int, week: str | None) -> ScheduleData:
    today = await app[ACCESS].today(student_id)
    monday = parse_week(week, today)
    provider = app[PROVIDER]
    lessons = await provider.student_week(student_id, monday)
    due = await provider.student_homework(student_id, monday, monday + timedelta(days=6))
    homework: dict[tuple[str, date | None], list[Homework]] = {}
    for item in due:
        homework.setdefault((item.class_ref, item.due_on), []).append(item)
    days = [
        DaySchedule(day, [(lesson, homework.pop((lesson.class_ref, day), [])) for lesson in todays])
        for day, todays in week_days(monday, lessons)
    ]
    return ScheduleData(monday, today, days)


async def homework_data(app: web.Application, student_id: int) -> HomeworkData:
    today = await app[ACCESS].today(student_id)
    items = await app[PROVIDER].student_homework(
        student_id,
        today - timedelta(days=HOMEWORK_PAST_DAYS),
        today + timedelta(days=HOMEWORK_AHEAD_DAYS),
    )
    upcoming = [h for h in items if h.due_on is None or h.due_on >= today]
    past = [h for h in items if h.due_on is not None and h.due_on < today]
    past.sort(key=lambda h: h.due_on or today, reverse=True)
    return HomeworkData(today, _by_day(upcoming), _by_day(past))


async def grades_data(app: web.Application, student_id: int, term: str | None) -> GradesData:
    today = await app[ACCESS].today(student_id)
    report = await app[PROVIDER].student_grades(student_id, today)
    return GradesData(today, report, pick_term(report.terms, term, today))


async def _page(
    request: web.Request,
    viewer: Viewer,
    student: StudentRef,
    template: str,
    section: str,
    **values: object,
) -> web.Response:
    switcher = await request.app[ACCESS].visible_students(viewer.identity)
    return request.app[PAGES].page(
        template,
        viewer=viewer,
        student=student,
        switcher=switcher if len(switcher) > 1 else [],
        section=section,
        **values,
    )


async def schedule(request: web.Request) -> web.Response:
    viewer, student = await requested_student(request)
    data = await schedule_data(request.app, student.person.id, request.query.get("week"))
    return await _page(request, viewer, student, "schedule.html", "schedule", data=data)


async def homework(request: web.Request) -> web.Response:
    viewer, student = await requested_student(request)
    data = await homework_data(request.app, student.person.id)
    return await _page(request, viewer, student, "homework.html", "homework", data=data)


async def grades(request: web.Request) -> web.Response:
    viewer, student = await requested_student(request)
    data = await grades_data(request.app, student.person.id, request.query.get("term"))
    return await _page(request, viewer, student, "grades.html", "grades", data=data)
