"""The events' text index finds the same events on both engines: every stem as a word prefix of
the event's text, the city as a phrase of its cities (search_index.py)."""

from __future__ import annotations

import pytest

from bots.pushkin_card.catalog import Catalog
from bots.pushkin_card.search_index import FTS5, POSTGRESQL, search_for, tsquery
from bots.pushkin_card.search_text import normalise, query_terms
from core.storage import Database


def test_the_postgresql_query_keeps_ftss_column_filters_and_quotes_every_word() -> None:
    assert tsquery(["ревизор", "гогол"], "москва") == ("'ревизор':*A & 'гогол':*A & ('москва':B)")
    assert tsquery(["d'a\\b"], "нижний новгород") == (
        "'d''a\\\\b':*A & ('нижний':B <-> 'новгород':B)"
    )


async def test_the_engine_picks_its_search(catalog: Catalog) -> None:
    expected = POSTGRESQL if catalog.db.dialect.name == "postgresql" else FTS5
    assert catalog.index is expected and search_for(catalog.db) is expected


def _expected(rows: list[dict[str, object]], terms: list[str], city: str) -> set[int]:
    """What the index must find, computed from its own text in Python."""
    found = set()
    place = city.split()
    for row in rows:
        words = str(row["text"]).split()
        cities = [c.split() for c in str(row["cities"]).split(" , ")]
        if all(any(w.startswith(t) for w in words) for t in terms) and place in cities:
            found.add(int(str(row["rowid"])))
    return found


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("щелкунчика", "Владивосток"),
        ("Чехова", "Москва"),
        ("выставка", "Новосибирск"),
        ("спектакль театр", "Москва"),
        ("музей", "Бердск"),
        ("zzzz несуществующее", "Москва"),
    ],
)
async def test_the_index_finds_exactly_the_matching_events(
    catalog: Catalog, text: str, city: str
) -> None:
    rows = await catalog.db.fetchall("SELECT rowid, text, cities FROM pushkin_card_search")
    terms = query_terms(text)
    found = await catalog.index.matching(catalog.db, terms, normalise(city), 10_000)
    assert len(found) == len(set(found))
    assert set(found) == _expected(rows, terms, normalise(city))


async def test_a_city_of_two_words_is_a_phrase(pk_db: Database) -> None:
    await pk_db.executemany(
        "INSERT INTO pushkin_card_search (rowid, text, cities) VALUES (?, ?, ?)",
        [
            (1, "концерт органной музыки", "нижний новгород , москва"),
            (2, "концерт органной музыки", "нижний тагил , великий новгород"),
            (3, "органная музыка", "нижний новгород"),
        ],
    )
    index = search_for(pk_db)
    assert await index.matching(pk_db, ["концерт", "орган"], "нижний новгород", 10) == [1]
    assert sorted(await index.matching(pk_db, ["концерт"], "новгород", 10)) == [1, 2]
    assert sorted(await index.matching(pk_db, ["орган"], "нижний новгород", 10)) == [1, 3]
    assert await index.matching(pk_db, ["концерт"], "тагил", 10) == [2]
