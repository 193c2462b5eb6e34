"""Rendering HTML pages from miniapp/templates (jinja2, autoescape on) and the Russian date and
number formats they use."""

from __future__ import annotations

import hashlib
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from aiohttp import web

from core.russian_dates import day_month, week_range
from core.texts import Texts

from .journal.abc import Mark

STATIC_DIR = Path(str(resources.files("miniapp").joinpath("static")))
TEMPLATES_DIR = resources.files("miniapp").joinpath("templates")

WEEKDAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
WEEKDAYS_DATIVE = ("понедельнику", "вторнику", "среде", "четвергу", "пятнице", "субботе",
                  "воскресенью")  # fmt: skip
WEEKDAYS_SHORT = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")


def day_long(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]}, {day_month(day)}"


def due_by(day: date) -> str:
    """The heading of homework due that day: "К понедельнику, 23 ноября"."""
    return f"К {WEEKDAYS_DATIVE[day.weekday()]}, {day_month(day)}"


def day_short(day: date | None) -> str:
    return "" if day is None else f"{day.day:02d}.{day.month:02d}"


def weekday_short(day: date) -> str:
    return WEEKDAYS_SHORT[day.weekday()]


def average(value: float | None) -> str:
    """4.333 -> "4,33" (a Russian decimal comma); no marks -> a dash."""
    return "—" if value is None else f"{value:.2f}".replace(".", ",")


def average_class(value: float | None) -> str:
    if value is None:
        return "avg-none"
    return f"avg-{min(5, max(2, int(value + 0.5)))}"


def mark_class(mark: Mark) -> str:
    if mark.score is None:
        return "m-text"
    return f"m{min(5, max(1, round(mark.score)))}"


def _asset_version(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]


class Pages:
    """The mini-app's templates; static assets get a content hash so they can be cached."""

    def __init__(self) -> None:
        self.texts = Texts(TEMPLATES_DIR, autoescape=True)
        env = self.texts.env
        env.filters.update(
            day_month=day_month,
            day_long=day_long,
            due_by=due_by,
            day_short=day_short,
            weekday_short=weekday_short,
            week_range=week_range,
            average=average,
            average_class=average_class,
            mark_class=mark_class,
        )
        env.globals["css_url"] = f"/static/app.css?v={_asset_version('app.css')}"
        # VK Bridge (built from miniapp/bridge by `make bridge`): VKWebAppInit and the scheme.
        env.globals["bridge_url"] = f"/static/vk-bridge.js?v={_asset_version('vk-bridge.js')}"
        # Autoescape must stay on for every page: the journal shows what other people typed.
        assert env.autoescape is True

    def render(self, name: str, /, **values: Any) -> str:
        return self.texts.env.get_template(name).render(**values)

    def response(self, name: str, /, *, status: int = 200, **values: Any) -> web.Response:
        return web.Response(
            text=self.render(name, **values), status=status, content_type="text/html"
        )

    def page(self, name: str, /, **values: Any) -> web.Response:
        """A 200 page (values may hold any names, including ``status``)."""
        return web.Response(text=self.render(name, **values), content_type="text/html")
