"""What the ``sferum`` commands print for a person is Russian: our help texts, errors of input,
the codes of the database (positions, actions, broadcast states) in words."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.demo.district import build
from sferum.cli import build_parser, main

# Literal values and names a help text must quote as they are typed: flags' values, file
# formats, field names of import files, product names.
QUOTED = {
    "jinja", "mon", "thu", "sferum", "roles", "show", "set", "reset", "allow", "request", "deny",
    "SQLite", "csv", "xlsx", "yaml", "Bots", "Long", "Poll", "Callback", "banks",
    "pushkinsCardEvents", "OneRoster", "Forwarded", "title", "questions", "answer", "source",
    "category", "tags", "related", "unverified", "retired", "true",
}  # fmt: skip
# Flags, {{ fields }}, snake_case settings, files, URLs and upper-case abbreviations (VK, API).
TECHNICAL = re.compile(
    r"--?[\w-]+|\{\{.*?\}\}|\{[^}]*\}|[\w.]*_[\w.]*|\b\w+\.(csv|md|json|yaml|yml|xlsx|db|toml)\b"
    r"|https?://\S+|\b[A-Z][A-Z0-9_-]+\b|:memory:|\[[\w.]+\]"
)


def _help_texts(parser: argparse.ArgumentParser, path: str) -> Iterator[tuple[str, str]]:
    if parser.description:
        yield f"{path} (описание)", parser.description
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                yield f"{path} {choice.dest}", choice.help or ""
            for name, sub in action.choices.items():
                yield from _help_texts(sub, f"{path} {name}")
        elif action.dest != "help" and action.help != argparse.SUPPRESS:
            yield f"{path} {'/'.join(action.option_strings) or action.dest}", action.help or ""


def test_every_help_text_of_ours_is_russian() -> None:
    found = list(_help_texts(build_parser(), "sferum"))
    assert len(found) > 100
    for where, text in found:
        assert re.search("[а-яё]", text, re.IGNORECASE), f"{where}: no help or not Russian"
        english = set(re.findall(r"[A-Za-z]{3,}", TECHNICAL.sub(" ", text))) - QUOTED
        assert not english, f"{where}: {english} in {text!r}"


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SFERUM_DB_PATH", str(tmp_path / "cli.db"))
    assert main(["demo-data"]) == 0
    return tmp_path


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--groups", "7Б,8А"], "в --groups нужны числа через запятую"),
        (["--org", "1", "--at", "завтра в 9"], "не понял дату и время «завтра в 9» в --at"),
        (["--org", "1", "--at", "2026-11-25T18:00"], "укажите пояс в --at"),
        (["--org", "1", "--weekly", "пн,пятн 18:00"], "не понял день «пятн» в --weekly"),
        (["--org", "1", "--weekly", "пн,чт вечером"], "не понял время «вечером» в --weekly"),
        (["--org", "1", "--weekly", "пн 18:00", "--tz", "Сибирь"], "часовой пояс «Сибирь»"),
    ],
)
def test_bad_broadcast_input_is_explained_in_russian(
    demo_db: Path, capsys: pytest.CaptureFixture[str], extra: list[str], says: str
) -> None:
    author = str(build().vk_ids()["volkova"])
    capsys.readouterr()
    assert main(["broadcast", "create", "--author", author, "--text", "Привет", *extra]) == 1
    err = capsys.readouterr().err
    assert says in err, err
    assert not re.search(r"invalid|literal|isoformat|not in list|unpack|ZoneInfo", err)


def test_a_template_mistake_in_the_cli_is_russian(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    author = str(build().vk_ids()["volkova"])
    capsys.readouterr()
    text = "Здравствуйте!\n{% для всех %}"
    assert main(["broadcast", "create", "--author", author, "--org", "4", "--text", text]) == 1
    err = capsys.readouterr().err
    assert "строка 2: команды «{% для %}» нет" in err and "Encountered" not in err


def test_roles_and_broadcast_states_are_words(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = build().vk_ids()
    capsys.readouterr()
    assert main(["roles", "show", str(ids["morozova"])]) == 0
    out = capsys.readouterr().out
    assert "учитель" in out and "оператор" in out and "способ: демо-данные" in out
    assert "выдана" in out and not re.search(r"\b(teacher|operator|grant|demo|person)\b", out)

    author = str(ids["volkova"])
    create = ["broadcast", "create", "--author", author, "--org", "4", "--text", "Привет"]
    assert main([*create, "--at", "2026-12-01T10:00+07:00", "--title", "Собрание"]) == 0
    capsys.readouterr()
    assert main(["broadcast", "list"]) == 0
    out = capsys.readouterr().out
    assert "ожидает" in out and not re.search(r"pending|scheduled", out)
    broadcast_id = out.split()[0]
    assert main(["broadcast", "status", broadcast_id]) == 0
    out = capsys.readouterr().out
    assert "источник: командная строка" in out and "— ожидает" in out
    assert not re.search(r"\(cli\)|pending", out)


def test_monitoring_errors_of_input_are_russian(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["monitoring", "table", "--week", "прошлая"]) == 2
    assert "неделя «прошлая» — ожидается дата" in capsys.readouterr().err
    bad = ["--region", "54", "--metric", "connected", "--good", "150"]
    assert main(["monitoring", "thresholds", "set", *bad]) == 2
    assert "нужен процент от 0 до 100" in capsys.readouterr().err
    assert main(["monitoring", "import", str(demo_db), "--timezone", "Asia/Novosibirsk"]) == 2
    assert "указана папка" in capsys.readouterr().err
    broken = demo_db / "stats.csv"
    broken.write_text("Неделя;Организация;Педагогов всего\n2026-11-16;Школа;3\n", "utf-8")
    assert main(["monitoring", "import", str(broken), "--timezone", "Марс/Олимп"]) == 2
    assert "часовой пояс «Марс/Олимп» неизвестен" in capsys.readouterr().err
    garbage = demo_db / "stats.xlsx"
    garbage.write_bytes(b"PK\x03\x04 not really a workbook")
    assert main(["monitoring", "import", str(garbage), "--week", "2026-11-16"]) == 2
    err = capsys.readouterr().err
    assert "файл не читается как XLSX" in err and "Zip" not in err


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        ("[sferum]\nsandbox_prot = 1\n", "ключ sandbox_prot: такой настройки нет"),
        (
            '[sferum]\nmax_concurrent_conversations = "много"\n',
            "ключ max_concurrent_conversations: ожидается целое число от 1 до 10000",
        ),
        (
            "[communities.exam_trainer]\ngroup_id = 101\n",
            "ключ communities.exam_trainer.token: нужно значение",
        ),
    ],
)
def test_a_configuration_error_has_no_english_words(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    toml: str,
    says: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SFERUM_CONFIG", raising=False)
    monkeypatch.setenv("SFERUM_DB_PATH", str(tmp_path / "x.db"))
    (tmp_path / "sferum.toml").write_text(toml, encoding="utf-8")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Ошибка настройки: sferum.toml: ") and says in err, err
    assert "\n" not in err
    # What remains once the keys, the file and the values as typed are taken out is Russian.
    english = set(re.findall(r"[A-Za-z]{2,}", TECHNICAL.sub(" ", re.sub(r"'[^']*'", " ", err))))
    assert not english, f"{english} in {err!r}"
