"""The xlsx export read back, the SVG charts, the bot's summary text."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import date, datetime

from openpyxl import load_workbook

from core.activity.charts import Series, bar_chart, line_chart
from core.activity.counts import Metric
from core.activity.export import FILLS, workbook
from core.activity.report import COLUMNS, Reports
from core.activity.summary import summary_text
from core.activity.thresholds import DEFAULTS, Colour
from core.activity.weeks import Week

from .conftest import District, assert_weekly_headings

W = Week(date(2026, 11, 16), "Asia/Novosibirsk")


async def test_xlsx_has_the_same_columns_values_and_colours(district: District) -> None:
    reports = Reports.over(district.db, district.clock)
    region = await reports.unit_report(district.org("R"), W)
    table = await reports.weekly_table(district.org("R"), 3, W)
    data = workbook(region, table, datetime(2026, 11, 23, 10, 0))
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["По неделям", "Рейтинг", "Неактивные ОО", "Пороги"]

    weeks = book["По неделям"]
    assert_weekly_headings(weeks)
    col = {f"{c.kind}:{c.key}": i for i, c in enumerate(COLUMNS, start=2)}
    last = 6  # the week under test
    assert weeks.cell(row=last, column=col["count:schools"]).value == 4
    assert weeks.cell(row=last, column=col["count:schools_inactive"]).value == 2
    assert weeks.cell(row=last, column=col["count:teachers"]).value == 7
    connected = weeks.cell(row=last, column=col["share:connected"])
    assert connected.value == 0.5 and connected.number_format == "0.0%"
    assert connected.fill.start_color.rgb.endswith(FILLS[Colour.BELOW])  # 50 %: below the norm
    creators = weeks.cell(row=last, column=col["share:chat_creators"])
    assert creators.value == 0.4
    assert creators.fill.start_color.rgb.endswith(FILLS[Colour.GOOD])  # 40 % ≥ 35 %
    # Arrows live in the number format: 2 → 5 active teachers this week.
    active = weeks.cell(row=last, column=col["count:teachers_active"])
    assert active.value == 5 and active.number_format.endswith('"▲"')
    teachers = weeks.cell(row=last, column=col["count:teachers"])
    assert teachers.number_format.endswith('"▼"')  # 8 → 7
    # No threshold, no colour.
    registered = weeks.cell(row=last, column=col["share:teachers_registered"])
    assert registered.fill.fill_type is None

    ranking = book["Рейтинг"]
    assert [ranking.cell(row=r, column=2).value for r in (4, 5)] == ["Первый район", "Второй район"]
    assert [ranking.cell(row=r, column=1).value for r in (4, 5)] == [1, 2]

    inactive = book["Неактивные ОО"]
    assert [inactive.cell(row=r, column=2).value for r in (4, 5)] == ["Школа В", "Школа Г"]
    assert inactive.cell(row=5, column=3).value == "структура не настроена (нет классов)"
    assert f"vk.com/id{district.vk['a2']}" in inactive.cell(row=5, column=4).value

    thresholds = book["Пороги"]
    assert thresholds.cell(row=4, column=2).value == 0.75
    assert thresholds.cell(row=4, column=3).value == 0.9


def test_charts_are_valid_svg_with_bands_and_escaped_text() -> None:
    weeks = W.last(4)
    svg = line_chart(
        "Подключено <школ>",
        weeks,
        [Series("Регион", [10, None, 60, 92.5])],
        DEFAULTS[Metric.CONNECTED],
    )
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and root.get("viewBox") == "0 0 360 210"
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title").text == "Подключено <школ>"  # type: ignore[union-attr]
    assert len(root.findall(f".//{ns}rect")) == 3  # below / average / good bands
    assert len(root.findall(f".//{ns}circle")) == 3  # a week without a value has no point
    assert "92,5 %" in svg
    bars = ET.fromstring(
        bar_chart("Рейтинг", [("Первый район", 50.0, Colour.GOOD), ("Второй", None, Colour.NONE)])
    )
    assert "—" in ET.tostring(bars, encoding="unicode")


async def test_summary_text_with_colours_and_trends(district: District) -> None:
    region = await Reports.over(district.db, district.clock).unit_report(district.org("R"), W)
    text = summary_text(region, finished=True)
    assert text.startswith("📊 Мониторинг: Тестовая область\nНеделя 16–22 ноября")
    assert "🔴 Подключено школ: 50,0 % (2 из 4)" in text
    assert "🟢 Педагоги, создавшие чат: 40,0 % (2 из 5) ▲ 6,7" in text
    assert "▫️ Активные педагоги: 100,0 % (5 из 5) ▲ 66,7" in text
    assert "🔴 Провели звонок за неделю: 20,0 % (1 из 5) ▲ 20,0" in text
    assert "Неактивных школ: 2" in text
    school = await Reports.over(district.db, district.clock).unit_report(district.org("D"), W)
    text = summary_text(school, finished=True)
    assert "🔴 Школа не подключена: структура не настроена (нет классов)" in text
    assert "🏅 Место среди школ муниципалитета: 1 из 2" in text
