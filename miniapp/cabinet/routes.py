"""The organisation cabinet's table of contents (Участники, Подразделения, Чаты сообщества,
Обращения в организацию, Администраторы, Заявки, Приглашения по ссылке, Журнальные коды, the audit
log), added to the mini-app through ``extra_routes``, and the home-page link admins see.

Every page is under ``/admin/org/{org}``; every change is a POST with the CSRF token, answered
with a redirect back to its page (so a reload never repeats it) and recorded in the audit log.
"""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web

from ..access import is_admin
from ..keys import HOME_LINKS, PAGES, HomeLink
from . import admins as admins_section
from . import appeals as appeals_section
from . import chats as chats_section
from . import codes as codes_section
from . import invites as invites_section
from . import join_requests as requests_section
from . import people as people_section
from . import units as units_section
from . import views

STATIC = Path(str(resources.files("miniapp.cabinet").joinpath("static")))
PREFIX = "/admin/org"
ORG = PREFIX + "/{org}"


def cabinet_time(value: datetime | None, zone: ZoneInfo) -> str:
    """«02.12.2026 14:05» in the organisation's zone; a dash for nothing."""
    return "—" if value is None else value.astimezone(zone).strftime("%d.%m.%Y %H:%M")


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get(PREFIX, views.index, name="cabinet")
    r.add_get(ORG, views.overview, name="cabinet_org")
    r.add_get(ORG + "/audit", views.audit, name="cabinet_audit")
    # Sections (one module each, beside this one) add their routes below.
    r.add_get(ORG + "/people", people_section.index, name="cabinet_people")
    r.add_get(ORG + "/people/{person}", people_section.card, name="cabinet_person")
    r.add_post(ORG + "/people/{person}/revoke", people_section.revoke)
    r.add_get(ORG + "/admins", admins_section.index, name="cabinet_admins")
    r.add_post(ORG + "/admins/grant", admins_section.grant)
    r.add_post(ORG + "/admins/revoke", admins_section.revoke)
    r.add_get(ORG + "/chats", chats_section.page, name="cabinet_chats")
    r.add_get(ORG + "/chats/{chat}", chats_section.card, name="cabinet_chat")
    r.add_get(ORG + "/appeals", appeals_section.page, name="cabinet_appeals")
    r.add_get(ORG + "/appeals/{appeal}", appeals_section.card, name="cabinet_appeal")
    r.add_post(ORG + "/appeals/{appeal}/answer", appeals_section.answer)
    r.add_get(ORG + "/units", units_section.page, name="cabinet_units")
    r.add_post(ORG + "/units", units_section.create)
    r.add_post(ORG + "/units/{unit}/{action:rename|archive|restore|teacher}", units_section.change)
    r.add_get(ORG + "/codes", codes_section.page, name="cabinet_codes")
    r.add_post(ORG + "/codes", codes_section.issue)
    r.add_get(ORG + "/invites", invites_section.page, name="cabinet_invites")
    r.add_post(ORG + "/invites", invites_section.create)
    r.add_post(ORG + "/invites/{invite}/revoke", invites_section.revoke)
    r.add_get(ORG + "/invites/{invite}/qr.svg", invites_section.qr_svg)
    r.add_get(ORG + "/requests", requests_section.page, name="cabinet_requests")
    r.add_post(ORG + "/requests/{request}/{action:approve|reject}", requests_section.decide)
    r.add_static("/admin/cabinet-static", STATIC, name="cabinet_static", append_version=False)
    app[PAGES].texts.env.filters["cabinet_time"] = cabinet_time
    title = app[PAGES].render("cabinet/home_link.txt").strip()
    app[HOME_LINKS].append(HomeLink(title, PREFIX, is_admin))
