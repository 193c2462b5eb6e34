"""Threshold periods: the methodology changed on 15.11.2022; a region chooses which period's
official thresholds colour it (stored per region), its own values stay on top; the charts draw
the 2022–2023 targets as dashed lines."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from core.activity.charts import Series, TargetLine, bar_chart, line_chart
from core.activity.counts import Metric
from core.activity.targets import target
from core.activity.thresholds import (
    DEFAULTS,
    OFFICIAL,
    Colour,
    Period,
    ThresholdStore,
    period_of,
)
from core.activity.weeks import Week

from .conftest import District
from .test_metrics import W, reports

SVG = "{http://www.w3.org/2000/svg}"


async def test_the_period_recolours_the_region_and_is_stored_per_region(
    district: District,
) -> None:
    store = ThresholdStore(district.db, district.clock)
    assert await store.period("54") == Period.FROM_2022_11_15  # nothing chosen: the current set
    assert DEFAULTS is OFFICIAL[Period.FROM_2022_11_15]
    region = await reports(district).unit_report(district.org("R"), W)
    # 1 caller of 5 registered teachers: 20 % — under today's 30 % target, at the earlier 20 %.
    assert region.colour(Metric.CALLERS) == Colour.BELOW
    assert region.thresholds.period == Period.FROM_2022_11_15

    await store.set_period("54", Period.BEFORE_2022_11_15)
    assert await store.period("54") == Period.BEFORE_2022_11_15
    assert await store.period("42") == Period.FROM_2022_11_15  # another region keeps its own
    region = await reports(district).unit_report(district.org("R"), W)
    assert region.thresholds.period == Period.BEFORE_2022_11_15
    assert region.colour(Metric.CALLERS) == Colour.GOOD
    assert region.colour(Metric.CONNECTED) == Colour.BELOW  # 50 %: at the earlier 50 % bar
    row = await district.db.fetchone(
        "SELECT period, updated_at FROM monitoring_threshold_periods WHERE region_code = '54'"
    )
    assert row is not None and row["period"] == "before-2022-11-15"

    await store.set_period("54", Period.FROM_2022_11_15)  # and back
    region = await reports(district).unit_report(district.org("R"), W)
    assert region.colour(Metric.CALLERS) == Colour.BELOW


async def test_own_values_stay_on_top_of_either_period(district: District) -> None:
    store = ThresholdStore(district.db, district.clock)
    await store.set("54", Metric.CALLERS, low=None, good=15)
    for period in Period:
        await store.set_period("54", period)
        thresholds = await store.for_region("54")
        assert thresholds.custom == frozenset({Metric.CALLERS})
        assert thresholds.colour(Metric.CALLERS, 20.0) == Colour.GOOD  # 20 % ≥ own 15 %
        # The rest follow the period's official set.
        assert thresholds.get(Metric.WRITERS3) == OFFICIAL[period][Metric.WRITERS3]
    await store.set_period("54", Period.BEFORE_2022_11_15)
    assert await store.reset("54") == 1  # the own value goes, the chosen period stays
    thresholds = await store.for_region("54")
    assert thresholds.period == Period.BEFORE_2022_11_15 and thresholds.custom == frozenset()
    assert thresholds.colour(Metric.CALLERS, 20.0) == Colour.GOOD  # the earlier 20 % target


def test_both_official_sets_cover_the_same_metrics_and_differ() -> None:
    before, after = OFFICIAL[Period.BEFORE_2022_11_15], OFFICIAL[Period.FROM_2022_11_15]
    assert before.keys() == after.keys()
    assert all(before[m].good < after[m].good for m in after)
    assert period_of("before-2022-11-15") == Period.BEFORE_2022_11_15
    assert period_of("1990") is None and period_of(None) is None


def _lines(svg: str) -> list[ET.Element]:
    return list(ET.fromstring(svg).iter(f"{SVG}line"))


def test_a_target_is_a_dashed_line_at_its_height() -> None:
    weeks = Week(W.monday, "Asia/Novosibirsk").last(4)
    goal = target(Metric.WRITERS3)
    assert goal == 25.0
    svg = line_chart(
        "≥3", weeks, [Series("A", [10.0, 20.0, 30.0, 40.0])], DEFAULTS[Metric.WRITERS3],
        TargetLine(goal, "цель 2022–2023 — 25,0 %"),
    )  # fmt: skip
    root = ET.fromstring(svg)
    height = float(root.attrib["viewBox"].split()[3])
    targets = [line for line in _lines(svg) if "data-target" in line.attrib]
    assert len(targets) == 1
    line = targets[0]
    # The plot runs from y = 30 (100 %) to y = height - 28 (0 %): 25 % is three quarters down.
    top, bottom = 30.0, height - 28.0
    expected = top + (bottom - top) * (1 - 25 / 100)
    assert float(line.attrib["y1"]) == float(line.attrib["y2"]) == pytest.approx(expected, abs=0.1)
    assert line.attrib["data-target"] == "25" and "stroke-dasharray" in line.attrib
    # It spans the plot, like the 25 % grid line it lies on.
    grid = next(g for g in _lines(svg) if "data-target" not in g.attrib and
                float(g.attrib["y1"]) == float(line.attrib["y1"]))  # fmt: skip
    assert (line.attrib["x1"], line.attrib["x2"]) == (grid.attrib["x1"], grid.attrib["x2"])
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "цель 2022–2023 — 25,0 %" in texts
    # Without a target: no dashed line.
    plain = line_chart("≥3", weeks, [Series("A", [10.0, 20.0, 30.0, 40.0])])
    assert not [g for g in _lines(plain) if "data-target" in g.attrib]


def test_a_bar_chart_target_is_a_vertical_dashed_line() -> None:
    items = [("Школа А", 50.0, Colour.GOOD), ("Школа Б", 10.0, Colour.BELOW)]
    svg = bar_chart("Чаты", items, TargetLine(35.0, "цель 2022–2023 — 35,0 %"))
    (line,) = [g for g in _lines(svg) if "data-target" in g.attrib]
    # Bars start at x = 128 and are 360 - 128 - 46 = 186 wide at 100 %.
    assert (
        float(line.attrib["x1"])
        == float(line.attrib["x2"])
        == pytest.approx(128 + 186 * 0.35, abs=0.1)
    )
    assert float(line.attrib["y1"]) < float(line.attrib["y2"])
    assert "цель 2022–2023 — 35,0 %" in [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
