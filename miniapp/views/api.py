"""The journal as JSON for bots and front-ends: the same data and the same access checks as the
pages. Internal ids never appear; people and classes are named by their public ids."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from aiohttp import web

from ..journal.abc import Homework, Lesson, Mark, Term
from ..keys import ACCESS
from ..viewer import current_viewer
from . import student as student_views
from . import teacher as teacher_views


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _term(term: Term | None) -> dict[str, Any] | None:
    if term is None:
        return None
    return {
        "id": term.id,
        "title": term.title,
        "kind": term.kind,
        "start": term.start.isoformat(),
        "end": term.end.isoformat(),
    }


def _lesson(lesson: Lesson) -> dict[str, Any]:
    return {
        "date": lesson.day.isoformat(),
        "number": lesson.number,
        "starts": lesson.starts,
        "ends": lesson.ends,
        "subject": lesson.subject,
        "room": lesson.room,
        "teacher": lesson.teacher,
        "topic": lesson.topic,
    }


def _homework(item: Homework) -> dict[str, Any]:
    return {
        "subject": item.subject,
        "class": item.class_title,
        "text": item.text,
        "assigned_on": _day(item.assigned_on),
        "due_on": _day(item.due_on),
        "teacher": item.teacher,
    }


def _mark(mark: Mark) -> dict[str, Any]:
    return {
        "date": _day(mark.day),
        "value": mark.shown,
        "score": mark.score,
        "title": mark.title,
        "weight": mark.weight,
        "comment": mark.comment,
    }


def _json(data: dict[str, Any]) -> web.Response:
    return web.json_response(data, dumps=_dumps)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


async def me(request: web.Request) -> web.Response:
    viewer = await current_viewer(request)
    identity = viewer.identity
    access = request.app[ACCESS]
    person = identity.person
    return _json(
        {
            "vk_user_id": identity.vk_user_id,
            "name": None if person is None else person.full_name,
            "roles": sorted(kind.value for kind in identity.kinds()),
            "students": [
                {"id": ref.public_id, "name": ref.person.full_name, "self": ref.is_self}
                for ref in await access.visible_students(identity)
            ],
            "classes": [
                {"id": ref.public_id, "title": ref.journal_class.title}
                for ref in await access.visible_classes(identity)
            ],
        }
    )


async def _student_id(request: web.Request) -> int:
    _, ref = await student_views.requested_student(request)
    return ref.person.id


async def student_schedule(request: web.Request) -> web.Response:
    student_id = await _student_id(request)
    data = await student_views.schedule_data(request.app, student_id, request.query.get("week"))
    return _json(
        {
            "week": data.monday.isoformat(),
            "days": [
                {
                    "date": day.day.isoformat(),
                    "lessons": [
                        {**_lesson(lesson), "homework": [_homework(h) for h in due]}
                        for lesson, due in day.lessons
                    ],
                }
                for day in data.days
            ],
        }
    )


async def student_homework(request: web.Request) -> web.Response:
    student_id = await _student_id(request)
    data = await student_views.homework_data(request.app, student_id)
    return _json(
        {
            "today": data.today.isoformat(),
            "upcoming": [_homework(h) for _, items in data.upcoming for h in items],
            "past": [_homework(h) for _, items in data.past for h in items],
        }
    )


async def student_grades(request: web.Request) -> web.Response:
    student_id = await _student_id(request)
    data = await student_views.grades_data(request.app, student_id, request.query.get("term"))
    term = data.term
    return _json(
        {
            "today": data.today.isoformat(),
            "terms": [_term(t) for t in data.report.terms],
            "term": _term(term),
            "subjects": [
                {
                    "subject": s.subject,
                    "teacher": s.teacher,
                    "marks": [_mark(m) for m in (s.marks_in(term) if term else s.marks)],
                    "averages": {str(k): v for k, v in s.averages.items()},
                }
                for s in data.report.subjects
            ],
        }
    )


async def class_journal(request: web.Request) -> web.Response:
    _, ref, today = await teacher_views.requested_class(request)
    data = await teacher_views.journal_data(request.app, ref, today, request.query.get("term"))
    journal = data.journal
    return _json(
        {
            "class": {"id": ref.public_id, "title": ref.journal_class.title},
            "terms": [_term(t) for t in data.terms],
            "term": _term(data.term),
            "columns": [
                {"date": _day(c.day), "title": c.title, "weight": c.weight} for c in journal.columns
            ],
            "rows": [
                {
                    "student": row.student_name,
                    "marks": [
                        None if c.ref not in row.marks else _mark(row.marks[c.ref])
                        for c in journal.columns
                    ],
                    "average": row.average,
                }
                for row in journal.rows
            ],
        }
    )


async def class_homework(request: web.Request) -> web.Response:
    _, ref, today = await teacher_views.requested_class(request)
    data = await teacher_views.class_homework_data(request.app, ref, today)
    return _json(
        {
            "class": {"id": ref.public_id, "title": ref.journal_class.title},
            "homework": [_homework(h) for h in data.items],
        }
    )
