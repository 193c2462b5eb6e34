"""Errors of the monitoring a person reaches (a threshold, a week, an organisation) are Russian."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from core.activity.counts import Metric
from core.activity.metrics import Monitoring, MonitoringError
from core.activity.thresholds import Threshold, ThresholdError
from core.activity.weeks import Week
from core.clock import ManualClock
from core.storage import Database

LATIN = re.compile(r"[A-Za-z]{2,}")


def test_a_threshold_outside_0_100_or_upside_down_is_explained() -> None:
    with pytest.raises(ThresholdError) as caught:
        Threshold(Metric.CALLERS, None, 150)
    assert str(caught.value) == (
        "порог «Провели звонок за неделю» (норма): нужен процент от 0 до 100, а задано 150,0 %"
    )
    with pytest.raises(ThresholdError) as caught:
        Threshold(Metric.CONNECTED, 95, 90)
    assert "«ниже нормы» (95,0 %) должна быть меньше границы нормы (90,0 %)" in str(caught.value)
    assert not LATIN.search(str(caught.value))


def test_a_week_not_starting_on_monday_is_explained() -> None:
    with pytest.raises(ValueError) as caught:
        Week(date(2026, 11, 24), "Asia/Novosibirsk")
    assert str(caught.value) == "неделя начинается с понедельника, а 2026-11-24 — не понедельник"


async def test_an_unknown_organisation_is_explained(db: Database) -> None:
    monitoring = Monitoring(db, ManualClock(datetime(2026, 11, 24, tzinfo=UTC)))
    with pytest.raises(MonitoringError) as caught:
        await monitoring.tree(424242)
    assert str(caught.value) == "организации 424242 нет в базе"
