"""Fixtures of the exam trainer's tests: storage with the plugin's tables, and a small bank."""

from __future__ import annotations

from typing import Any

import pytest

from bots.exam_trainer import plugin
from bots.exam_trainer.bank_format import Bank, validate
from bots.exam_trainer.importer import import_bank
from core.clock import ManualClock
from core.plugins.loader import plugin_migrations
from core.storage import Database, migrate


def small_bank_data() -> dict[str, Any]:
    """Three task numbers, every answer type; answers checked by the importer's validation."""

    def short(ident: str, number: int, topic: str, answer: str, verify: str) -> dict[str, Any]:
        return {
            "id": ident,
            "number": number,
            "topic": topic,
            "type": "short",
            "text": f"Задача {ident}",
            "answer": answer,
            "explanation": "Разбор.",
            "points": 1,
            "verify": verify,
        }

    return {
        "exam": "ОГЭ",
        "subject": "math",
        "subject_title": "Математика",
        "tasks": [
            short("oge-math-05-001", 5, "Проценты", "850", "40 * 0.85 * 25"),
            short("oge-math-05-002", 5, "Проценты", "10", "0.56 / 5.6 * 100"),
            short("oge-math-05-003", 5, "Тарифы", "525", "350 * 1.5"),
            short("oge-math-06-001", 6, "Дроби", "0,725", "7/20 + 3/8"),
            short("oge-math-06-002", 6, "Дроби", "-1,5", "-3/2"),
            {
                "id": "oge-math-07-001",
                "number": 7,
                "topic": "Числа",
                "type": "choice",
                "text": "Какие числа чётные?",
                "options": ["2", "3", "4", "5"],
                "answer": "13",
                "explanation": "2 и 4.",
                "points": 1,
                "verify_choice": [True, False, True, False],
            },
            {
                "id": "oge-math-07-002",
                "number": 7,
                "topic": "Числа",
                "type": "sequence",
                "text": "Расположите по возрастанию.",
                "options": ["0,5", "0,1", "0,3"],
                "answer": "231",
                "explanation": "0,1 < 0,3 < 0,5.",
                "points": 1,
            },
            {
                "id": "oge-math-07-003",
                "number": 7,
                "topic": "Графики",
                "type": "matching",
                "text": "Сопоставьте. А) y = x Б) y = −x В) y = 2",
                "options": ["убывает", "возрастает", "постоянна"],
                "answer": "213",
                "explanation": "А — возрастает, Б — убывает, В — постоянна.",
                "points": 1,
                "verify_matching": {"А": 2, "Б": 1, "В": 3},
            },
        ],
    }


def small_bank() -> Bank:
    return validate(small_bank_data(), "small.yaml")


@pytest.fixture
async def tdb(db: Database, clock: ManualClock) -> Database:
    """The core database with the trainer's tables and the small bank."""
    await migrate(db, plugin_migrations(plugin))
    await import_bank(db, small_bank(), clock.now())
    return db
