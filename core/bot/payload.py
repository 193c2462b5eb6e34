"""Typed button payloads, in the spirit of aiogram's ``CallbackData``.

A payload class names its plugin's key and its action, and declares its fields::

    class Train(Payload, key="et", action="train"):
        task: int | None = None

    Train(task=7).pack()        # {"et": "train", "task": 7}, for a keyboard button
    Train.parse({"et": "train", "task": "7"})   # Train(task=7)
    Train.parse({"et": "train", "task": "x"})   # None: forged or stale, never an exception
    Train.parse({"et": "menu"})                 # None: another payload

Wire format, byte-compatible with the hand-written dicts bots sent before: the plugin's key
first, its value the action, then the fields in declaration order under their names (or their
pydantic ``alias``); fields that are ``None`` are left out, so a short payload stays short and
an old button without the field still parses (to the default). Keep ids in payloads, not texts.

Rules, checked when the class is declared (``PayloadDeclarationError``): the key is a plugin's
payload key (``core.plugins.spec.PAYLOAD_KEY``, not one of ``RESERVED_PAYLOAD_KEYS``); one
(key, action) pair is declared once in the whole process; no field is named like the key.
``pack()`` raises ``PayloadTooLong`` (a ``core.keyboards.KeyboardError``) when the JSON text is
over VK's 255 characters, counted as core.keyboards counts them.

Field types: anything pydantic validates. A field whose value fails validation makes the whole
payload not parse (the handler never sees it; a catch-all such as ``PayloadOf(key)`` can answer
"this button is stale"). Where a handler rather answers a bad value itself (asks again), declare
the field ``LooseInt`` / ``LooseStr``: a forged value becomes None instead.

A class without ``action`` is a base for one plugin's payloads (``class Et(Payload, key="et")``;
``class Train(Et, action="train")``): it cannot be packed or parsed. ``payload_classes("et")``
lists the declared payloads of a key. Handlers match them with ``core.bot.Pressed``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from core.keyboards import MAX_PAYLOAD, KeyboardError
from core.plugins.spec import PAYLOAD_KEY, RESERVED_PAYLOAD_KEYS

__all__ = [
    "LooseInt",
    "LooseStr",
    "Paging",
    "Payload",
    "PayloadDeclarationError",
    "PayloadTooLong",
    "payload_classes",
]


class PayloadDeclarationError(TypeError):
    """A payload class declared wrongly (bad key, missing key, duplicate action): a bug."""


class PayloadTooLong(KeyboardError):
    """The packed payload is over VK's 255 characters: keep ids in it, not texts."""


_MAX_INT = 2**63 - 1  # storage takes signed 64-bit integers


def _loose_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        value = int(value)
    return value if isinstance(value, int) and abs(value) <= _MAX_INT else None


def _loose_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# A number from a button, None for anything else (bools, texts, floats, huge numbers).
LooseInt = Annotated[int | None, BeforeValidator(_loose_int)]
# A text from a button, None for anything else.
LooseStr = Annotated[str | None, BeforeValidator(_loose_str)]


# (key, action) -> the class; every declared payload of the process.
_REGISTRY: dict[tuple[str, str], type[Payload]] = {}


def _check_key(cls: type, key: str) -> None:
    if not isinstance(key, str) or not PAYLOAD_KEY.match(key):
        raise PayloadDeclarationError(
            f"{cls.__qualname__}: payload key {key!r} must match {PAYLOAD_KEY.pattern} "
            "(short: VK caps a payload at 255 characters)"
        )
    if key in RESERVED_PAYLOAD_KEYS:
        raise PayloadDeclarationError(
            f"{cls.__qualname__}: payload key {key!r} is reserved for core and VK "
            f"({sorted(RESERVED_PAYLOAD_KEYS)})"
        )


def _same_class(a: type, b: type) -> bool:
    # A module imported again (importlib.reload, a test re-importing a bot) declares the same
    # class anew: that is not a second declaration.
    return a.__module__ == b.__module__ and a.__qualname__ == b.__qualname__


class Payload(BaseModel):
    """A button payload of one plugin: ``{key: action, **fields}``. See the module docstring."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    __payload_key__: ClassVar[str | None] = None
    __payload_action__: ClassVar[str | None] = None

    def __init_subclass__(
        cls, key: str | None = None, action: str | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if key is not None:
            _check_key(cls, key)
            cls.__payload_key__ = key
        # The action is the class's own: a subclass of an action class is a new declaration.
        cls.__payload_action__ = action
        if action is not None:
            if cls.__payload_key__ is None:
                raise PayloadDeclarationError(
                    f"{cls.__qualname__}: action {action!r} without a key: declare "
                    f'`class {cls.__name__}(Payload, key="xx", action={action!r})`'
                )
            if not isinstance(action, str) or not action:
                raise PayloadDeclarationError(
                    f"{cls.__qualname__}: the action must be a non-empty string"
                )

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        # Fields are known only now (pydantic builds them after __init_subclass__).
        super().__pydantic_init_subclass__(**kwargs)
        key, action = cls.__payload_key__, cls.__payload_action__
        if key is None:
            return
        for name, info in cls.model_fields.items():
            if key in (name, info.alias):
                raise PayloadDeclarationError(
                    f"{cls.__qualname__}: field {name!r} is named like the payload key {key!r}"
                )
        if action is None:
            return
        known = _REGISTRY.get((key, action))
        if known is not None and not _same_class(known, cls):
            raise PayloadDeclarationError(
                f"{cls.__qualname__}: payload {{{key!r}: {action!r}}} is already declared by "
                f"{known.__module__}.{known.__qualname__}"
            )
        _REGISTRY[(key, action)] = cls

    # --- the wire ---------------------------------------------------------------------------
    @classmethod
    def _wire(cls) -> tuple[str, str]:
        key, action = cls.__payload_key__, cls.__payload_action__
        if key is None or action is None:
            raise PayloadDeclarationError(
                f"{cls.__qualname__} declares no key/action: it is a base, not a payload"
            )
        return key, action

    def pack(self) -> dict[str, Any]:
        """The payload for a keyboard button: ``{key: action, **fields}`` (None fields left out).

        Raises PayloadTooLong when its JSON text is over 255 characters."""
        key, action = self._wire()
        packed: dict[str, Any] = {key: action}
        packed.update(self.model_dump(mode="json", by_alias=True, exclude_none=True))
        text = json.dumps(packed, ensure_ascii=False)
        if len(text) > MAX_PAYLOAD:
            raise PayloadTooLong(
                f"{type(self).__qualname__} packs to {len(text)} characters, VK allows "
                f"{MAX_PAYLOAD}: {text[:80]}… — keep ids in the payload, not texts"
            )
        return packed

    @classmethod
    def parse(cls, data: Mapping[str, Any] | str | None) -> Self | None:
        """This payload from a decoded payload (or its JSON text); None when it is another
        payload, or its fields do not validate (a forged or stale button)."""
        key, action = cls._wire()
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                return None
        if not isinstance(data, Mapping) or data.get(key) != action:
            return None
        fields = {name: value for name, value in data.items() if name != key}
        try:
            return cls.model_validate(fields)
        except ValidationError:
            return None

    @classmethod
    def wire_key(cls) -> str:
        """The plugin's payload key of this class."""
        return cls._wire()[0]

    @classmethod
    def wire_action(cls) -> str:
        return cls._wire()[1]


def payload_classes(key: str) -> tuple[type[Payload], ...]:
    """The payload classes declared with ``key`` (those of modules imported so far), in
    declaration order: e.g. ``Pressed(*payload_classes("et"))``."""
    return tuple(cls for (k, _), cls in _REGISTRY.items() if k == key)


class Paging(Payload):
    """A base for «◀ Назад»/«Ещё ▶» payloads of ``core.keyboards.paged``: the pager adds the
    page number under ``page`` to what ``pack()`` gives (``turn=SubjectsPage().pack()``)."""

    page: LooseInt = None

    @property
    def page_number(self) -> int:
        """The page to show, from 1 (1 when absent or not a positive number)."""
        return self.page if self.page is not None and self.page > 0 else 1
