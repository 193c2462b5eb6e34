from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bots.rosobrnadzor_helper.analysis import Analyzer, Synonyms
from bots.rosobrnadzor_helper.kb import KnowledgeBase
from bots.rosobrnadzor_helper.kb_import import KbFileError, parse_csv, parse_yaml
from core.storage import Database

SHIPPED = Path(__file__).parents[3] / "bots/rosobrnadzor_helper/data/knowledge_base.yaml"


async def top_ids(kb: KnowledgeBase, question: str) -> list[str]:
    return [hit.entry.entry_id for hit in (await kb.search(question)).hits]


def test_shipped_base_has_60_real_entries_with_sources() -> None:
    entries = yaml.safe_load(SHIPPED.read_text("utf-8"))
    assert len(entries) >= 60
    ids = {e["id"] for e in entries}
    assert len(ids) == len(entries)
    for entry in entries:
        assert entry["source"].strip() and entry["source_date"], entry["id"]
        assert entry["answer"].strip() and entry["title"].strip(), entry["id"]
        assert set(entry["related"]) <= ids, entry["id"]
        assert "unverified" in entry, entry["id"]  # what could not be confirmed, or empty


async def test_empty_base_is_seeded_once(kb: KnowledgeBase) -> None:
    assert await kb.count() == len(yaml.safe_load(SHIPPED.read_text("utf-8")))
    assert await kb.ensure_ready() is None  # not empty any more: nothing re-imported


async def test_teacher_questions_find_their_entries(kb: KnowledgeBase) -> None:
    assert (await top_ids(kb, "какие документы я обязан заполнять?"))[0] == "docs-teacher-list"
    assert "gia-appeal-score" in await top_ids(kb, "как подать апелляцию на ЕГЭ?")
    result = await kb.search("как подать апелляцию на ЕГЭ?")
    assert result.fits and result.best is not None
    assert result.best.entry.source and result.best.entry.source_date.year >= 2000


async def test_synonyms_and_typos(kb: KnowledgeBase) -> None:
    # "бумажки" is what teachers say; the entries say "документы".
    assert "docs-teacher-list" in await top_ids(kb, "какие бумажки обязан вести учитель")
    # A typo in a short question is corrected against the index's stems.
    result = await kb.search("апеляция егэ")
    assert result.corrections == {"апеляция": "апелляц"}
    assert {"gia-appeal-score", "gia-appeal-procedure"} & set(await top_ids(kb, "апеляция егэ"))


async def test_nonsense_finds_nothing_that_fits(kb: KnowledgeBase) -> None:
    for question in ("как испечь торт", "погода в новосибирске завтра", "!!!", ""):
        assert not (await kb.search(question)).fits, question


async def test_import_upserts_retires_and_is_seen_without_restart(
    kb: KnowledgeBase, helper_db: Database
) -> None:
    running = KnowledgeBase(helper_db)  # the bot's instance, with its own vocabulary cache
    assert "docs-order-582" in await top_ids(running, "приказ 582 действует")
    patches = parse_yaml(
        """
- id: docs-order-582
  retired: true
- id: docs-teacher-list
  title: Какие документы обязан вести учитель (обновлено)
- id: tea-friday
  title: Чаепитие по пятницам в учительской
  answer: Чай по пятницам — добровольно.
  source: Устав клуба любителей чая
  source_date: 2025-01-10
  category: other
  questions: ["Обязательно ли ходить на чаепитие?"]
"""
    )
    report = await kb.apply(patches)
    assert report.retired == ["docs-order-582"]
    assert report.updated == ["docs-teacher-list"]
    assert report.added == ["tea-friday"]
    assert "docs-order-582" not in await top_ids(running, "приказ 582 действует")
    assert (await top_ids(running, "чаепитие по пятницам"))[0] == "tea-friday"
    edited = await running.get("docs-teacher-list")
    assert edited is not None and edited.title.endswith("(обновлено)")
    assert edited.answer  # fields the row did not give are kept
    assert await running.get("docs-order-582") is None
    # Bringing an entry back is an import too; a repeat import changes nothing.
    back = await kb.apply(parse_yaml("- id: docs-order-582\n  retired: false\n"))
    assert back.updated == ["docs-order-582"]
    again = await kb.apply(parse_yaml("- id: docs-order-582\n  retired: false\n"))
    assert again.unchanged == ["docs-order-582"] and not again.changed


async def test_csv_import_with_list_columns(kb: KnowledgeBase) -> None:
    patches = parse_csv(
        "id,title,answer,source,source_date,category,questions,tags,related\n"
        "csv-entry,Справка о нагрузке по требованию завуча,Не обязана.,Приказ № 779,"
        "2024-11-06,documents,Нужна ли справка о нагрузке?|Кто готовит справку,справка|нагрузка,"
        "docs-teacher-list|no-such-entry\n"
    )
    report = await kb.apply(patches)
    assert report.added == ["csv-entry"]
    assert report.dangling_related == ["csv-entry → no-such-entry"]
    entry = await kb.get("csv-entry")
    assert entry is not None
    assert entry.questions == ("Нужна ли справка о нагрузке?", "Кто готовит справку")
    assert entry.tags == ("справка", "нагрузка")


async def test_bad_files_change_nothing(kb: KnowledgeBase) -> None:
    before = await kb.count()
    with pytest.raises(KbFileError) as bad:
        parse_yaml("- id: ok-entry\n  title: x\n- id: Bad Id\n- id: x2\n  source_date: вчера\n")
    assert any("запись 2" in p for p in bad.value.problems)
    assert any("source_date" in p for p in bad.value.problems)
    with pytest.raises(KbFileError):
        parse_yaml("просто текст")
    with pytest.raises(KbFileError):
        parse_csv("title\nбез id\n")
    # A new entry without required fields stops the whole file, earlier rows included.
    with pytest.raises(KbFileError):
        await kb.apply(
            parse_yaml(
                "- id: docs-teacher-list\n  title: изменено\n- id: brand-new\n  title: Без ответа\n"
            )
        )
    assert await kb.count() == before
    entry = await kb.get("docs-teacher-list")
    assert entry is not None and entry.title != "изменено"


async def test_changed_synonyms_reindex_at_start(kb: KnowledgeBase, helper_db: Database) -> None:
    custom = KnowledgeBase(helper_db, Analyzer(Synonyms([["чаепитие", "аттестация"]])))
    await custom.ensure_ready()  # the fingerprint differs: everything is re-indexed
    stored = await helper_db.fetchval(
        "SELECT value FROM rosobrnadzor_helper_meta WHERE key = 'analyzer'"
    )
    assert stored == custom.analyzer.fingerprint()
    assert "att-conformity" in await top_ids(custom, "чаепитие на соответствие должности")
    rows = await helper_db.fetchall("SELECT related FROM rosobrnadzor_helper_entries LIMIT 1")
    assert isinstance(json.loads(rows[0]["related"]), list)
