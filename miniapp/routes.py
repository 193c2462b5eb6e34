"""The mini-app's table of contents: every URL and the handler behind it."""

from __future__ import annotations

from aiohttp import web

from .pages import STATIC_DIR
from .views import api, home, launch, link, student, switch, teacher


def setup_routes(app: web.Application) -> None:
    r = app.router
    # Launch from VK (signed vk_* parameters) and the session's pages.
    r.add_get("/", launch.launch, name="launch")
    r.add_get("/home", home.home, name="home")
    r.add_get("/healthz", launch.health, name="health")
    # A launch for another VK user than the live session's: asked, switched only by a POST.
    r.add_get("/switch", switch.confirm, name="switch")
    r.add_post("/switch", switch.switch, name="switch_submit")
    # Role verification by journal code, for people the journal does not know yet.
    r.add_get("/link", link.form, name="link")
    r.add_post("/link", link.submit, name="link_submit")
    # A student's journal (a parent opens their child's the same way); {sid} is a public id.
    r.add_get("/s/{sid}/schedule", student.schedule, name="student_schedule")
    r.add_get("/s/{sid}/homework", student.homework, name="student_homework")
    r.add_get("/s/{sid}/grades", student.grades, name="student_grades")
    # A teacher's classes; {cid} is a public id.
    r.add_get("/t/week", teacher.week, name="teacher_week")
    r.add_get("/c/{cid}/journal", teacher.class_journal, name="class_journal")
    r.add_get("/c/{cid}/homework", teacher.class_homework, name="class_homework")
    # The same data as JSON for bots.
    r.add_get("/api/me", api.me, name="api_me")
    r.add_get("/api/journal/student/{sid}/schedule", api.student_schedule)
    r.add_get("/api/journal/student/{sid}/homework", api.student_homework)
    r.add_get("/api/journal/student/{sid}/grades", api.student_grades)
    r.add_get("/api/journal/class/{cid}/journal", api.class_journal)
    r.add_get("/api/journal/class/{cid}/homework", api.class_homework)
    r.add_static("/static", STATIC_DIR, name="static", append_version=False)
