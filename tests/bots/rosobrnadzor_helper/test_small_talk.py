"""Small talk and questions the base does not answer: a friendly reply with the menu, or «не нашёл
ответа» with the way to ask a specialist — never an entry that only shares an everyday word."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.rosobrnadzor_helper import plugin
from bots.rosobrnadzor_helper.kb import KnowledgeBase
from bots.rosobrnadzor_helper.small_talk import SmallTalk
from bots.rosobrnadzor_helper.triage import triage
from sferum.cli import main
from sferum.testing import bot_harness


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Привет!", "greeting"),
        ("добрый день, коллеги", "greeting"),
        ("как у вас дела?", "how_are_you"),
        ("Спасибо большое, бот", "thanks"),
        ("привет и спасибо", "thanks"),
        ("до свидания", "farewell"),
        ("ты кто", "about"),
    ],
)
def test_small_talk_kinds(text: str, kind: str) -> None:
    assert SmallTalk.shipped().intent(text) == kind


def test_a_question_with_a_greeting_is_a_question() -> None:
    talk = SmallTalk.shipped()
    assert talk.intent("Здравствуйте! Как подать апелляцию на ЕГЭ?") is None
    assert talk.remove("Привет, как подать апелляцию на ЕГЭ?") == "как подать апелляцию на егэ"
    assert talk.intent("как дела с аттестацией") is None


async def test_everyday_words_do_not_make_an_answer(kb: KnowledgeBase) -> None:
    # bm25 ranks an entry for each (one mentions a pupil's «личное дело»), none answers.
    for text in ("как дела", "что такое фотосинтез", "какой сериал посмотреть", "привет"):
        assert not (await kb.search(text)).answered, text
    for text in ("что такое профвизит", "апеляция егэ", "приказ 582 отменен?"):
        assert (await kb.search(text)).answered, text
    found = await triage(kb, "Добрый день! Как подать апелляцию на ЕГЭ?")
    assert found.answered and found.result is not None
    assert "gia-appeal-score" in [hit.entry.entry_id for hit in found.result.hits]


def test_cli_search_says_nothing_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SFERUM_DB_PATH", str(tmp_path / "cli.db"))
    monkeypatch.delenv("SFERUM_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    for text in ("привет", "как дела", "как приготовить борщ"):
        assert main(["kb", "search", text]) == 1, text
        captured = capsys.readouterr()
        assert "Ничего не найдено" in captured.err and not captured.out.strip()
    assert main(["kb", "search", "сколько действуют результаты ЕГЭ"]) == 0
    assert capsys.readouterr().out.startswith("gia-ege-validity\t")


async def test_in_the_chat(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        teacher = h.vk("smirnova")
        await h.say(teacher, "привет")
        reply = h.last_reply(teacher)["text"]
        assert reply.startswith("Здравствуйте") and "Предписание" not in reply
        labels = [b["action"]["label"] for b in h.buttons(teacher)]
        assert labels[:2] == ["Спросить специалиста", "Мои обращения"]
        await h.say(teacher, "как дела?")
        assert "у меня всё хорошо" in h.last_reply(teacher)["text"]
        await h.say(teacher, "спасибо!")
        assert h.last_reply(teacher)["text"].startswith("Пожалуйста")
        await h.say(teacher, "кто написал войну и мир")
        reply = h.last_reply(teacher)["text"]
        assert "не нашёл ответа на «кто написал войну и мир»" in reply
        assert "Спросить специалиста" in reply
        await h.tap(teacher, "Спросить специалиста")
        assert "Шаг 1 из 4" in h.last_reply(teacher)["text"]
        await h.tap(teacher, "Отмена")
        await h.say(teacher, "Здравствуйте! Сколько действуют результаты ЕГЭ?")
        assert h.last_reply(teacher)["text"].startswith("Сколько действуют результаты ЕГЭ")
