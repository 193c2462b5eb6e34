"""Every text a person reads comes from jinja2 templates, never from string literals in code.

A package keeps its templates in a ``templates/`` folder: one file per message (``welcome.j2``)
and ``labels.j2`` whose blocks are the short texts of buttons
(``{% block back %}Назад{% endblock %}``).
"""

from __future__ import annotations

from functools import cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import jinja2

_FILTERS: dict[str, Any] = {}


def _plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural form: 1 урок, 2 урока, 5 уроков."""
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


_FILTERS["plural"] = _plural


class Texts:
    """The templates of one package (a plugin, the core, the mini-app)."""

    def __init__(self, folder: Path | Traversable, *, autoescape: bool = False) -> None:
        self.folder = Path(str(folder))
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.folder),
            autoescape=autoescape,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            # Templates ship with the code; checking files for changes on every render costs a
            # stat() per message.
            auto_reload=False,
        )
        self.env.filters.update(_FILTERS)

    @classmethod
    def for_package(cls, package: str, folder: str = "templates") -> Texts:
        return cls(resources.files(package).joinpath(folder))

    def render(self, name: str, /, **values: Any) -> str:
        return self.env.get_template(name).render(**values).strip()

    @cached_property
    def _labels(self) -> jinja2.Template:
        return self.env.get_template("labels.j2")

    def label(self, name: str, /, **values: Any) -> str:
        """A short text (a button, a title) from a block of ``labels.j2``."""
        try:
            block = self._labels.blocks[name]
        except KeyError:
            raise KeyError(f"no block {name!r} in {self.folder / 'labels.j2'}") from None
        context = self._labels.new_context(values)
        return "".join(block(context)).strip()

    def names(self) -> list[str]:
        return sorted(self.env.list_templates(extensions=["j2"]))


CORE_TEXTS = Texts.for_package("core")
