"""Importing banks: upsert by id keeps students' progress; a broken file changes nothing; the
shipped banks load at start-up when the table is empty; `sferum tasks import` from the CLI."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path

import pytest
import yaml

from bots.exam_trainer import plugin, tasks
from bots.exam_trainer.answering import record_answer
from bots.exam_trainer.bank_format import BankError, validate
from bots.exam_trainer.importer import ensure_tasks, import_bank, import_file
from core.clock import ManualClock
from core.plugins.loader import plugin_migrations
from core.storage import Database, migrate, open_core_database
from sferum.cli import main

from .conftest import small_bank_data


async def test_reimport_updates_in_place_and_keeps_progress(
    tdb: Database, clock: ManualClock
) -> None:
    task = await tasks.task(tdb, "oge-math-05-001")
    assert task is not None
    await record_answer(tdb, 1, task, "850", clock.now())
    data = copy.deepcopy(small_bank_data())
    data["tasks"][0]["topic"] = "Проценты и скидки"
    data["tasks"][0]["number"] = 5
    result = await import_bank(tdb, validate(data, "small.yaml"), clock.now())
    assert (result.added, result.updated) == (0, 8)
    updated = await tasks.task(tdb, "oge-math-05-001")
    assert updated is not None and updated.topic == "Проценты и скидки"
    # The card follows the task's new topic, so topic practice still finds it.
    card_topic = await tdb.fetchval(
        "SELECT topic FROM exam_trainer_cards WHERE person_id = 1 AND task_id = 'oge-math-05-001'"
    )
    assert card_topic == "Проценты и скидки"
    assert await tdb.fetchval("SELECT count(*) FROM exam_trainer_reviews") == 1


async def test_broken_file_imports_nothing(
    tdb: Database, clock: ManualClock, tmp_path: Path
) -> None:
    data = copy.deepcopy(small_bank_data())
    data["tasks"][0]["text"] = "Новый текст"
    data["tasks"][3]["answer"] = "0,7"  # disagrees with its verify
    path = tmp_path / "bank.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(BankError) as caught:
        await import_file(tdb, path, clock.now())
    assert [str(p) for p in caught.value.problems] == [
        "bank.yaml: задание oge-math-06-001: поле answer: ответ '0,7' не совпадает с verify "
        "'7/20 + 3/8' = 0,725"
    ]
    task = await tasks.task(tdb, "oge-math-05-001")
    assert task is not None and task.text == "Задача oge-math-05-001"


async def test_shipped_banks_load_once_when_empty(db: Database, clock: ManualClock) -> None:
    await migrate(db, plugin_migrations(plugin))
    first = await ensure_tasks(db, clock.now())
    assert first and all(result.added > 0 for result in first)
    assert await ensure_tasks(db, clock.now()) == []
    exams = await tasks.exams(db)
    assert exams == ["ОГЭ", "ЕГЭ"]
    subjects = {s.subject for s in await tasks.subjects(db, "ОГЭ")}
    assert "math" in subjects


def test_cli_import_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    db_path = tmp_path / "cli.db"
    monkeypatch.setenv("SFERUM_DB_PATH", str(db_path))
    good = tmp_path / "good.json"
    good.write_text(json.dumps(small_bank_data(), ensure_ascii=False), encoding="utf-8")
    bad_data = copy.deepcopy(small_bank_data())
    bad_data["tasks"][5]["answer"] = "12"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(bad_data, allow_unicode=True), encoding="utf-8")

    assert main(["tasks", "import", "--check", str(good)]) == 0
    assert "good.json: в порядке, заданий 8" in capsys.readouterr().out
    assert main(["tasks", "import", str(good), str(bad)]) == 1
    out, err = capsys.readouterr()
    assert "good.json: ОГЭ, Математика — добавлено 8, обновлено 0" in out
    assert (
        "bad.yaml: задание oge-math-07-001: поле answer: ответ '12' не совпадает с verify_choice"
        in err
    )
    assert main(["tasks", "import", str(good)]) == 0
    assert "добавлено 0, обновлено 8" in capsys.readouterr().out

    async def stored() -> int:
        check = await open_core_database(str(db_path))
        try:
            return int(await check.fetchval("SELECT count(*) FROM exam_trainer_tasks"))
        finally:
            await check.close()

    assert asyncio.run(stored()) == 8
