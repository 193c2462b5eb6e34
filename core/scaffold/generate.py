"""Generate a plugin project from the templates beside this module.

The bot it makes uses every part a real bot needs — a setting, a scheduled job, a command of its
own, a typed payload — imports only from ``core.bot`` and ``core.plugins``, and comes with tests
that pass as generated: in-process on the recording VK (sferum.recording) and end to end on the
local sandbox (sferum.testing).
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path

import jinja2

from core.plugins.spec import NAME, PAYLOAD_KEY, RESERVED_PAYLOAD_KEYS

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("core.scaffold", "templates"),
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)

# template -> path inside the project ({name} is the package)
FILES = {
    "pyproject.toml.j2": "pyproject.toml",
    "README.md.j2": "README.md",
    "init.py.j2": "{name}/__init__.py",
    "settings.py.j2": "{name}/settings.py",
    "payloads.py.j2": "{name}/payloads.py",
    "texts.py.j2": "{name}/texts.py",
    "handlers.py.j2": "{name}/handlers.py",
    "storage.py.j2": "{name}/storage.py",
    "jobs.py.j2": "{name}/jobs.py",
    "cli.py.j2": "{name}/cli.py",
    "hello.j2.j2": "{name}/templates/hello.j2",
    "again.j2.j2": "{name}/templates/again.j2",
    "command.j2.j2": "{name}/templates/command.j2",
    "labels.j2.j2": "{name}/templates/labels.j2",
    "conftest.py.j2": "tests/conftest.py",
    "test_recording.py.j2": "tests/test_{name}.py",
    "test_sandbox.py.j2": "tests/test_{name}_sandbox.py",
}


class ScaffoldError(ValueError):
    pass


def payload_key(name: str) -> str:
    """The bot's payload key: its name when that fits VK's short keys, else its initials
    (``homework_helper_for_teachers`` -> ``hhft``)."""
    if PAYLOAD_KEY.match(name):
        return name
    return "".join(part[0] for part in name.split("_") if part)[:16]


def generate(name: str, target: Path, title: str | None = None) -> list[Path]:
    if not NAME.match(name) or keyword.iskeyword(name):
        raise ScaffoldError(
            f"имя бота {name!r}: латиница в нижнем регистре, цифры и _, от 2 до 40 символов"
        )
    key = payload_key(name)
    if key in RESERVED_PAYLOAD_KEYS or not re.fullmatch(PAYLOAD_KEY, key):
        raise ScaffoldError(f"имя бота {name!r} занято ядром: выберите другое")
    root = target / name.replace("_", "-")
    if root.exists():
        raise ScaffoldError(f"папка {root} уже существует")
    values = {"name": name, "title": title or name.replace("_", " ").capitalize(), "key": key}
    written: list[Path] = []
    for template, relative in FILES.items():
        path = root / relative.format(name=name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_TEMPLATES.get_template(template).render(values), encoding="utf-8")
        written.append(path)
    return written
