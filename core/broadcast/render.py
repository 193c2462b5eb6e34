"""Per-recipient texts: render once per distinct set of the variables the template uses.

A template that uses only ``first_name`` is rendered once per distinct first name, not once per
recipient, so 100,000 recipients cost a few hundred renders; identical texts are then grouped into
peer_ids batches by the sender.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from core.storage import Database

from .syntax_errors import explain as explain_syntax

log = logging.getLogger("sferum.broadcast")

PERSON_FIELDS = ("first_name", "last_name", "role", "class_name", "child_name")

# Authors write these templates: the sandbox keeps them from reaching Python internals.
_ENV = SandboxedEnvironment(autoescape=False, undefined=jinja2.ChainableUndefined)

# What an author's template may hold: text, fields (``{{ first_name }}``), a few filters that
# cannot grow a text, and ``{% if %}`` on fields. No loops, arithmetic, calls, attribute access
# or literals but short strings: a staff member's text must not be able to freeze the process
# (nested ``range()`` loops, ``"x" * 10**7``) or fail for one recipient with a Python error.
ALLOWED_FILTERS = frozenset({"upper", "lower", "capitalize", "title", "trim", "default", "d"})
ALLOWED_TESTS = frozenset({"defined", "undefined", "none"})
_ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const, nodes.If,
    nodes.CondExpr, nodes.Not, nodes.And, nodes.Or, nodes.Compare, nodes.Operand,
    nodes.Filter, nodes.Test,
)  # fmt: skip
_ALLOWED_COMPARISONS = frozenset({"eq", "ne"})
MAX_CONST = 200  # characters of a string literal (a default value, a comparison)
MAX_TEXT = 9000  # VK's own limit of a message; a longer text is an error, not a message


class TemplateError(ValueError):
    pass


def _check_node(node: nodes.Node) -> str | None:
    """Why ``node`` is not allowed in an author's template, or None."""
    if not isinstance(node, _ALLOWED_NODES):
        return "disallowed"
    if isinstance(node, nodes.Filter) and node.name not in ALLOWED_FILTERS:
        return f"filter:{node.name}"
    if isinstance(node, nodes.Test) and node.name not in ALLOWED_TESTS:
        return f"test:{node.name}"
    if isinstance(node, nodes.Operand) and node.op not in _ALLOWED_COMPARISONS:
        return "disallowed"
    if isinstance(node, nodes.Const) and (
        not isinstance(node.value, str | int | bool | None)
        or (isinstance(node.value, str) and len(node.value) > MAX_CONST)
        or (isinstance(node.value, int) and not -1000 <= node.value <= 1000)
    ):
        return "const"
    if isinstance(node, nodes.Name) and node.ctx != "load":
        return "disallowed"
    return None


def compile_template(
    source: str, known: Iterable[str] | None = None
) -> tuple[jinja2.Template, frozenset[str]]:
    """The template and the names it uses. TemplateError (in Russian, with the line) for a
    syntax error, anything but fields, {% if %} and the allowed filters, and — when ``known``
    is given — a field that is not among them (it would print nothing)."""
    from core.texts import CORE_TEXTS

    try:
        parsed = _ENV.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        # jinja2's English words stay in the log; the author reads what to change.
        log.info("template syntax error at line %s: %s", exc.lineno, exc.message)
        raise TemplateError(
            CORE_TEXTS.render("template_error.j2", **explain_syntax(exc, source))
        ) from None
    for node in parsed.find_all(nodes.Node):
        problem = _check_node(node)
        if problem is not None:
            kind, _, name = problem.partition(":")
            raise TemplateError(
                CORE_TEXTS.render(
                    "template_error.j2",
                    kind=kind,
                    name=name,
                    line=node.lineno,
                    filters=", ".join(sorted(ALLOWED_FILTERS - {"d"})),
                )
            )
    used = frozenset(meta.find_undeclared_variables(parsed))
    if known is not None:
        allowed = frozenset(known)
        for field in parsed.find_all(nodes.Name):
            if field.name not in allowed:
                raise TemplateError(
                    CORE_TEXTS.render(
                        "template_error.j2",
                        kind="unknown_field",
                        name=field.name,
                        line=field.lineno,
                        fields=", ".join(f"{{{{ {f} }}}}" for f in PERSON_FIELDS),
                    )
                )
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
    dialect = db.dialect
    ids = dialect.in_values(person_ids)
    result: dict[int, Recipient] = {}
    role_sql = (
        "(SELECT min(role) FROM roles r WHERE r.person_id = p.id AND r.revoked_at IS NULL)"
        if "role" in used
        else "NULL"
    )
    for person_id, vk_user_id, first, last, role in await db.fetchrows(
        f"SELECT p.id, p.vk_user_id, p.first_name, p.last_name, {role_sql} "
        f"FROM persons p WHERE p.id {dialect.in_list()}",
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
            f"ON g.id = s.group_id WHERE s.person_id {dialect.in_list()} "
            "GROUP BY s.person_id",
            (ids,),
        ):
            result[row["person_id"]].values["class_name"] = row["name"]
    if "child_name" in used or "class_name" in used:
        for row in await db.fetchall(
            f"SELECT c.parent_id, {dialect.group_concat('p.first_name', ', ')} AS children, "
            "min(g.name) AS class_name FROM parent_children c JOIN persons p ON p.id = c.child_id "
            "LEFT JOIN student_groups s ON s.person_id = c.child_id "
            "LEFT JOIN groups g ON g.id = s.group_id "
            f"WHERE c.confirmed = 1 AND c.parent_id {dialect.in_list()} "
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
        self.extra = extra or {}
        self.template, self.used = compile_template(source, (*PERSON_FIELDS, *self.extra))
        self._cache: dict[tuple[str, ...], str] = {}
        self._failed: dict[tuple[str, ...], str] = {}  # values that failed: the same error again
        self._keys = tuple(sorted(self.used & set(PERSON_FIELDS)))

    def render(self, recipient: Recipient) -> str:
        """The recipient's text; TemplateError when their values cannot make one."""
        key = tuple(recipient.values.get(k, "") for k in self._keys)
        text = self._cache.get(key)
        if text is None:
            if key in self._failed:
                raise TemplateError(self._failed[key])
            try:
                text = self._render({**self.extra, **recipient.values})
            except TemplateError as exc:
                self._failed[key] = str(exc)
                raise
            self._cache[key] = text
        return text

    def _render(self, values: dict[str, Any]) -> str:
        from core.texts import CORE_TEXTS

        try:
            text = self.template.render(values).strip()
        except Exception:  # any error of one recipient's values is that recipient's failure
            raise TemplateError(CORE_TEXTS.render("template_error.j2", kind="render")) from None
        if len(text) > MAX_TEXT:
            raise TemplateError(CORE_TEXTS.render("template_error.j2", kind="long", limit=MAX_TEXT))
        return text

    def preview(self, values: dict[str, str]) -> str:
        return self._render({**self.extra, **values})
