"""«Общая» / «По учителям» downloads from the monitoring pages: who may download what, the files'
contents for the demo district with seeded activity."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart

from core.activity import ActivityKind, ActivityStore, event_row
from core.activity.report import COLUMNS, Reports
from core.activity.texts import column_title
from core.activity.weeks import Week
from core.people import OrgKind
from core.runtime.services import Services

from ..conftest import BrowserFactory, vk
from .test_monitoring_pages import make_region_admin, org_id

NSK = ZoneInfo("Asia/Novosibirsk")
WEEK = "2026-11-16"


async def seed(services: Services) -> None:
    """In the week of 16 November: Smirnova (СОШ № 112) 4 group-chat messages and a call,
    Lebedeva (Гимназия № 5) 7 messages; Smirnova 2 more the week before."""
    rows = [
        *(event_row(datetime(2026, 11, 17, 9, n, tzinfo=NSK), vk("smirnova"),
                    ActivityKind.GROUP_CHAT_MESSAGE) for n in range(4)),
        event_row(datetime(2026, 11, 18, 15, 0, tzinfo=NSK), vk("smirnova"), ActivityKind.CALL),
        *(event_row(datetime(2026, 11, 19, 10, n, tzinfo=NSK), vk("lebedeva"),
                    ActivityKind.GROUP_CHAT_MESSAGE) for n in range(7)),
        *(event_row(datetime(2026, 11, 10, 10, n, tzinfo=NSK), vk("smirnova"),
                    ActivityKind.GROUP_CHAT_MESSAGE) for n in range(2)),
    ]  # fmt: skip
    rows.sort(key=lambda row: row[0])
    await ActivityStore(services.db, default_timezone="Asia/Novosibirsk").ingest(rows)


def parse_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Russian Excel needs
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


async def test_school_admin_downloads_own_school_only(
    browse: BrowserFactory, services: Services
) -> None:
    await seed(services)
    school = await org_id(services, "МБОУ СОШ № 112")
    other = await org_id(services, "МАОУ «Гимназия № 5»")
    admin = await browse("orlov")
    page = await (await admin.get(f"/admin/monitoring/{school}?week={WEEK}")).text()
    for name in ("general.xlsx", "general.csv", "teachers.xlsx", "teachers.csv"):
        assert f'href="/admin/monitoring/{school}/{name}?week={WEEK}"' in page

    response = await admin.get(f"/admin/monitoring/{school}/teachers.csv?weeks=2&week={WEEK}")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    disposition = response.headers["Content-Disposition"]
    assert f'filename="monitoring-teachers-{school}-{WEEK}.csv"' in disposition
    assert "filename*=UTF-8''" in disposition
    rows = parse_csv(await response.read())
    assert rows[0][:5] == [
        "ФИО",
        "Школа",
        "9–15 ноября: создано чатов",
        "9–15 ноября: сообщений в групповых чатах",
        "9–15 ноября: звонков",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    assert "Смирнова Ирина" in by_name and "Кузнецов Олег" in by_name
    assert all("Лебедева" not in name for name in by_name)  # another school's teacher
    smirnova = by_name["Смирнова Ирина"]
    assert smirnova[1] == "МБОУ СОШ № 112"
    assert smirnova[2:8] == ["0", "2", "0", "0", "4", "1"]  # week before, then the week
    assert by_name["Кузнецов Олег"][2:8] == ["0"] * 6

    response = await admin.get(f"/admin/monitoring/{school}/teachers.xlsx?weeks=2&week={WEEK}")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(await response.read()))["По учителям"]
    names = [sheet.cell(row=r, column=1).value for r in range(4, 4 + len(by_name))]
    smirnova_row = 4 + names.index("Смирнова Ирина")
    assert [sheet.cell(row=smirnova_row, column=c).value for c in range(6, 9)] == [0, 4, 1]
    assert isinstance(sheet._charts[0], BarChart)

    for forbidden in (f"/admin/monitoring/{other}/teachers.xlsx",
                      f"/admin/monitoring/{other}/general.csv",
                      "/admin/monitoring/1/teachers.csv"):  # fmt: skip
        assert (await admin.get(forbidden)).status == 403, forbidden
    assert (await admin.get("/admin/monitoring/999999/general.xlsx")).status == 404
    teacher = await browse("smirnova")
    assert (await teacher.get(f"/admin/monitoring/{school}/teachers.csv")).status == 403
    stranger = await browse(None)
    assert (await stranger.get(f"/admin/monitoring/{school}/general.xlsx")).status == 401


async def test_region_admin_general_exports(browse: BrowserFactory, services: Services) -> None:
    await make_region_admin(services, "novikov")
    await seed(services)
    region = (await services.people.organisations(OrgKind.REGION))[0].id
    admin = await browse("novikov")
    table = await Reports.over(services.db, services.clock).weekly_table(
        region, 4, Week.parse(WEEK, "Asia/Novosibirsk")
    )

    response = await admin.get(f"/admin/monitoring/{region}/general.xlsx?weeks=4&week={WEEK}")
    assert response.status == 200
    sheet = load_workbook(io.BytesIO(await response.read()))["Общая"]
    assert sheet.cell(row=3, column=2).value == column_title(COLUMNS[0])
    assert sheet.cell(row=7, column=1).value == "16–22 ноября"
    for col, column in enumerate(COLUMNS, start=2):
        expected = table[-1].value(column)
        got = sheet.cell(row=7, column=col).value
        if column.kind == "share" and expected is not None:
            assert abs(got - expected / 100) < 1e-6, column.key
        else:
            assert got == expected, column.key
    assert isinstance(sheet._charts[0], LineChart)

    rows = parse_csv(
        await (
            await admin.get(f"/admin/monitoring/{region}/general.csv?weeks=4&week={WEEK}")
        ).read()
    )
    assert rows[0][0] == "Неделя" and len(rows) == 5 and rows[4][0] == "16–22 ноября"
    # A region's teachers: both schools' teachers, Lebedeva's 7 messages in the week.
    rows = parse_csv(
        await (
            await admin.get(f"/admin/monitoring/{region}/teachers.csv?weeks=1&week={WEEK}")
        ).read()
    )
    lebedeva = next(r for r in rows if r[0] == "Лебедева Мария")
    assert lebedeva[1] == "МАОУ «Гимназия № 5»" and lebedeva[2:5] == ["0", "7", "0"]
    # A bad weeks or week falls back to the defaults instead of failing.
    response = await admin.get(f"/admin/monitoring/{region}/general.csv?weeks=-3&week=garbage")
    assert response.status == 200
    rows = parse_csv(await response.read())
    assert len(rows) == 1 + 8 and rows[-1][0] == "23–29 ноября"  # 8 weeks up to the current one
