"""Codes stored in the database (``teacher``, ``revoke``, ``done``) as the CLI shows them: in
Russian, from core/templates/terms.j2."""

from __future__ import annotations

from core.texts import CORE_TEXTS


def term(group: str, value: str) -> str:
    """The Russian word for ``value`` of ``group`` (role, position, method, action, broadcast,
    source); an unknown value as it is."""
    return CORE_TEXTS.render("terms.j2", group=group, value=value)
