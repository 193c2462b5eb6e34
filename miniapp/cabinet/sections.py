"""The cabinet's sections, in the order of Сферум's own admin cabinet: the navigation bar and the
overview tiles are drawn from this one list (their Russian titles: cabinet/_titles.html)."""

from __future__ import annotations

from dataclasses import dataclass

from .place import CabinetPlace


@dataclass(frozen=True, slots=True)
class Section:
    key: str  # its title is in cabinet/_titles.html, under this key
    path: str  # under /admin/org/{org}
    schools_only: bool = False


SECTIONS: tuple[Section, ...] = (
    Section("people", "/people"),
    Section("units", "/units", schools_only=True),
    Section("chats", "/chats"),
    Section("appeals", "/appeals"),
    Section("admins", "/admins"),
    Section("requests", "/requests"),
    Section("invites", "/invites", schools_only=True),
    Section("codes", "/codes", schools_only=True),
    Section("audit", "/audit"),
)


def visible_sections(place: CabinetPlace) -> list[Section]:
    """What this organisation's cabinet has: a region or a municipality has no classes of its
    own, so the per-class sections are the schools'."""
    return [s for s in SECTIONS if place.is_school or not s.schools_only]
