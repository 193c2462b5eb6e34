from __future__ import annotations

from bots.rosobrnadzor_helper.analysis import (
    Analyzer,
    Synonyms,
    Vocabulary,
    osa_distance_at_most_one,
    stems,
    words,
)


def test_words_fold_yo_and_drop_function_words() -> None:
    assert words("Какие ОТЧЁТЫ я обязан сдавать?") == ["отчеты", "обязан", "сдавать"]
    assert stems("отчёты") == stems("отчеты") == stems("отчетов")


def test_synonym_group_adds_one_shared_token() -> None:
    synonyms = Synonyms([["жалоба", "претензия", "обращение"], ["огэ", "гиа 9"]])
    analyzer = Analyzer(synonyms)
    complaint = set(analyzer.tokens("подать жалобу"))
    claim = set(analyzer.tokens("написать претензию"))
    shared = {t for t in complaint & claim if t.startswith("syn")}
    assert len(shared) == 1
    # A phrase matches as a whole: "гиа 9" is ОГЭ, "гиа" alone is not.
    assert set(analyzer.tokens("ГИА-9 в этом году")) & set(analyzer.tokens("огэ"))
    assert not {t for t in analyzer.tokens("гиа") if t.startswith("syn")}


def test_shipped_synonyms_load_and_cover_the_issue_examples() -> None:
    analyzer = Analyzer()
    for a, b in [
        ("огэ", "гиа 9"),
        ("егэ", "гиа 11"),
        ("жалоба", "претензия"),
        ("бумажки", "документы"),
        ("аттестация", "категория"),
    ]:
        syn_a = {t for t in analyzer.tokens(a) if t.startswith("syn")}
        syn_b = {t for t in analyzer.tokens(b) if t.startswith("syn")}
        assert syn_a & syn_b, (a, b)


def test_one_edit_distance() -> None:
    assert osa_distance_at_most_one("апелляц", "апеляц")  # a dropped letter
    assert osa_distance_at_most_one("лицензи", "лецензи")  # a changed one
    assert osa_distance_at_most_one("проверк", "провверк")  # an added one
    assert osa_distance_at_most_one("справк", "спарвк")  # swapped neighbours
    assert not osa_distance_at_most_one("справк", "спавкр")
    assert not osa_distance_at_most_one("егэ", "огэс")


def test_vocabulary_corrects_to_the_most_common_neighbour() -> None:
    vocab = Vocabulary({"апелляц": 9, "аттестац": 11, "тот": 50, "торт": 1})
    assert vocab.correct("апеляц") == "апелляц"
    assert vocab.correct("атестац") == "аттестац"
    assert vocab.correct("бпелляц") is None  # the first letter is kept
    assert vocab.correct("тотр") == "торт"  # a swap in a short stem
    assert Vocabulary({"тот": 5}).correct("торт") is None  # no dropped letters in short stems
