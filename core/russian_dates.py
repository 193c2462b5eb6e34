"""Russian date formats shared by every text people read (bot messages, mini-app pages, reports)."""

from __future__ import annotations

from datetime import date, timedelta

MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                   "сентября", "октября", "ноября", "декабря")  # fmt: skip


def day_month(day: date) -> str:
    """ "23 ноября"."""
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]}"


def week_range(monday: date) -> str:
    """ "16–22 ноября", or "30 ноября – 6 декабря" across months."""
    sunday = monday + timedelta(days=6)
    if monday.month == sunday.month:
        return f"{monday.day}–{sunday.day} {MONTHS_GENITIVE[monday.month - 1]}"
    return f"{day_month(monday)} – {day_month(sunday)}"
