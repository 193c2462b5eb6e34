"""One Russian line for one pydantic error of a settings model (core's, a plugin's, the doctor's).

The line names the key as the admin wrote it (``where``: the key of sferum.toml, the environment
variable or the command-line option), says what is expected and what was given; the words come
from core/templates/config_error.j2, keyed by pydantic's error type. A secret (a field declared
with ``repr=False``) is never echoed, nor is a whole table (it may hold a token) or the value of
an unknown key (it may be a secret under a misspelt name).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

# Errors whose input is never shown: a missing value has none (pydantic gives the whole table).
_NO_INPUT = frozenset({"missing", "extra_forbidden"})


def _field_at(
    model: type[BaseModel], loc: Sequence[str | int]
) -> tuple[FieldInfo | None, type[BaseModel] | None]:
    """The field an error's location names and the model holding its last part (None, model:
    the last part is not a field of that model). ``dict[str, Model]`` fields skip their key."""
    current: Any = model
    info: FieldInfo | None = None
    parts = [str(part) for part in loc]
    index = 0
    while index < len(parts):
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return info, None
        found = current.model_fields.get(parts[index])
        if found is None:
            return None, current
        info = found
        if index == len(parts) - 1:
            return info, current
        args = get_args(found.annotation)
        if get_origin(found.annotation) is dict and len(args) == 2:
            current, index = args[1], index + 2
        else:
            current, index = found.annotation, index + 1
    return info, None


def _limits(info: FieldInfo | None, ctx: Mapping[str, Any]) -> dict[str, Any]:
    """The field's bounds in the order they read (ge/gt before le/lt)."""
    found: dict[str, Any] = {}
    for item in info.metadata if info is not None else ():
        for name in ("ge", "gt", "le", "lt"):
            if isinstance(item, getattr(annotated_types, name.capitalize())):
                found[name] = getattr(item, name)
    for name in ("ge", "gt", "le", "lt"):
        if name in ctx and name not in found:
            found[name] = ctx[name]
    return {name: found[name] for name in ("ge", "gt", "le", "lt") if name in found}


def _choices(info: FieldInfo | None) -> list[str]:
    """The values a Literal field allows, as they are typed."""
    annotation = info.annotation if info is not None else None
    for candidate in (annotation, *get_args(annotation)):
        if get_origin(candidate) is Literal:
            return [str(value) for value in get_args(candidate)]
    return []


def _is_integer(info: FieldInfo | None) -> bool:
    annotation = info.annotation if info is not None else None
    return annotation is int or int in get_args(annotation)


def describe_error(
    error: Mapping[str, Any],
    where: str,
    model: type[BaseModel],
    *,
    also_in: str | None = None,
) -> str:
    """The Russian line for one of ``ValidationError.errors()``; ``also_in`` names another place
    the value may be given (an environment variable for a secret of the file's table)."""
    from core.texts import CORE_TEXTS

    loc = list(error.get("loc") or ())
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    info, owner = _field_at(model, loc)
    given = error.get("input")
    secret = info is not None and info.repr is False
    shown = not (kind in _NO_INPUT or secret or isinstance(given, dict))
    similar: list[str] = []
    if kind == "extra_forbidden" and owner is not None and loc:
        similar = difflib.get_close_matches(str(loc[-1]), list(owner.model_fields), n=1)
    return CORE_TEXTS.render(
        "config_error.j2",
        where=where,
        kind=kind,
        ctx=ctx,
        limits=_limits(info, ctx),
        integer=_is_integer(info) or kind.startswith("int_"),
        choices=_choices(info),
        similar=similar,
        also_in=also_in,
        given=repr(given) if shown else None,
    )
