"""Generate a plugin project from the templates beside this module."""

from __future__ import annotations

import keyword
import re
from pathlib import Path

import jinja2

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("core.scaffold", "templates"),
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)
NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

# template -> path inside the project ({name} is the package)
FILES = {
    "pyproject.toml.j2": "pyproject.toml",
    "README.md.j2": "README.md",
    "init.py.j2": "{name}/__init__.py",
    "handlers.py.j2": "{name}/handlers.py",
    "hello.j2.j2": "{name}/templates/hello.j2",
    "labels.j2.j2": "{name}/templates/labels.j2",
    "test_bot.py.j2": "tests/test_{name}.py",
    "conftest.py.j2": "tests/conftest.py",
}


class ScaffoldError(ValueError):
    pass


def generate(name: str, target: Path, title: str | None = None) -> list[Path]:
    if not NAME.match(name) or keyword.iskeyword(name):
        raise ScaffoldError(
            f"имя бота {name!r}: латиница в нижнем регистре, цифры и _, от 2 до 40 символов"
        )
    root = target / name.replace("_", "-")
    if root.exists():
        raise ScaffoldError(f"папка {root} уже существует")
    values = {"name": name, "title": title or name.replace("_", " ").capitalize()}
    written: list[Path] = []
    for template, relative in FILES.items():
        path = root / relative.format(name=name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_TEMPLATES.get_template(template).render(values), encoding="utf-8")
        written.append(path)
    return written
