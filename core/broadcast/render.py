"""Per-recipient texts: render once per distinct set of the variables the template uses.

A template that uses only ``first_name`` is rendered once per distinct first name, not once per
recipient, so 100,000 recipients cost a few hundred renders; identical texts are then grouped into
peer_ids batches by the sender.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from core.storage import Database

PERSON_FIELDS = ("first_name", "last_name", "role", "class_name", "child_name")

# Authors write these templates: the sandbox keeps them from reaching Python internals.
_ENV = SandboxedEnvironment(autoescape=False, undefined=jinja2.ChainableUndefined)


class TemplateError(ValueError):
    pass


def compile_template(source: str) -> tuple[jinja2.Template, frozenset[str]]:
    try:
        parsed = _ENV.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"ошибка в шаблоне, строка {exc.lineno}: {exc.message}") from None
    used = frozenset(meta.find_undeclared_variables(parsed))
    return _ENV.from_string(source), used


@dataclass
class Recipient:
    person_id: int
    vk_user_id: int | None
    values: dict[str, str]


async def load_recipients(
    db: Database, person_ids: Sequence[int], used: frozenset[str]
) -> dict[int, Recipient]:
    """Names and VK ids always; class and children only when the template uses them."""
    ids = json.dumps(list(person_ids))
    result: dict[int, Recipient] = {}
    role_sql = (
        "(SELECT min(role) FROM roles r WHERE r.person_id = p.id AND r.revoked_at IS NULL)"
        if "role" in used
        else "NULL"
    )
    for person_id, vk_user_id, first, last, role in await db.fetchrows(
        f"SELECT p.id, p.vk_user_id, p.first_name, p.last_name, {role_sql} "
        "FROM persons p WHERE p.id IN (SELECT value FROM json_each(?))",
        (ids,),
    ):
        result[person_id] = Recipient(
            person_id,
            vk_user_id,
            {
                "first_name": first,
                "last_name": last,
                "role": role or "none",
                "class_name": "",
                "child_name": "",
            },
        )
    if "class_name" in used:
        for row in await db.fetchall(
            "SELECT s.person_id, min(g.name) AS name FROM student_groups s JOIN groups g "
            "ON g.id = s.group_id WHERE s.person_id IN (SELECT value FROM json_each(?)) "
            "GROUP BY s.person_id",
            (ids,),
        ):
            result[row["person_id"]].values["class_name"] = row["name"]
    if "child_name" in used or "class_name" in used:
        for row in await db.fetchall(
            "SELECT c.parent_id, group_concat(p.first_name, ', ') AS children, "
            "min(g.name) AS class_name FROM parent_children c JOIN persons p ON p.id = c.child_id "
            "LEFT JOIN student_groups s ON s.person_id = c.child_id "
            "LEFT JOIN groups g ON g.id = s.group_id "
            "WHERE c.confirmed = 1 AND c.parent_id IN (SELECT value FROM json_each(?)) "
            "GROUP BY c.parent_id",
            (ids,),
        ):
            values = result[row["parent_id"]].values
            values["child_name"] = row["children"] or ""
            if not values["class_name"]:
                values["class_name"] = row["class_name"] or ""
    return result


class Renderer:
    def __init__(self, source: str, extra: dict[str, Any] | None = None) -> None:
        self.template, self.used = compile_template(source)
        self.extra = extra or {}
        self._cache: dict[tuple[str, ...], str] = {}
        self._keys = tuple(sorted(self.used & set(PERSON_FIELDS)))

    def render(self, recipient: Recipient) -> str:
        key = tuple(recipient.values.get(k, "") for k in self._keys)
        text = self._cache.get(key)
        if text is None:
            text = self._render({**self.extra, **recipient.values})
            self._cache[key] = text
        return text

    def _render(self, values: dict[str, Any]) -> str:
        try:
            return self.template.render(values).strip()
        except jinja2.TemplateError as exc:  # includes SecurityError from the sandbox
            raise TemplateError(f"шаблон не удалось применить: {exc}") from None

    def preview(self, values: dict[str, str]) -> str:
        return self._render({**self.extra, **values})
