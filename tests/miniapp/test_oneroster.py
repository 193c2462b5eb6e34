"""OneRoster 1.2 CSV import: a good export lands in core and the journal; a malformed one
changes nothing and names the file, line and column."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from core.people import PeopleRepository, Position, RoleKind
from core.storage import Database
from miniapp.journal.csvfile import CsvError
from miniapp.journal.oneroster import import_oneroster
from miniapp.journal.sqlite import SqliteJournal, migrate_journal

GOOD = Path(__file__).with_name("oneroster_good")


@pytest.fixture
async def jpeople(db: Database, people: PeopleRepository) -> PeopleRepository:
    await migrate_journal(db)
    return people


async def pid(db: Database, sourced_id: str) -> int:
    value = await db.fetchval(
        "SELECT id FROM persons WHERE external_id = ?", ("oneroster:" + sourced_id,)
    )
    assert value is not None, sourced_id
    return int(value)


async def test_good_export_fills_people_and_journal(jpeople: PeopleRepository) -> None:
    db = jpeople.db
    summary = await import_oneroster(GOOD, jpeople)
    assert (summary.organisations, summary.persons, summary.classes) == (3, 7, 3)
    assert summary.parent_links == 1 and summary.results == 6 and summary.terms == 4
    assert summary.skipped["отключённые пользователи"] == 1
    assert summary.skipped["роль relative"] == 1
    school = await db.fetchone(
        "SELECT * FROM organisations WHERE external_id = 'oneroster:org-lyceum'"
    )
    assert school is not None and school["kind"] == "school"
    assert (school["region_code"], school["timezone"]) == ("70", "Asia/Tomsk")
    # Roles: the department's teacher belongs to the school; the guardian is a parent.
    teacher2 = await jpeople.active_roles(await pid(db, "u-teacher-2"))
    assert [(r.role, r.position, r.org_id) for r in teacher2] == [
        (RoleKind.STAFF, Position.TEACHER, school["id"])
    ]
    homeroom_teacher = await jpeople.active_roles(await pid(db, "u-teacher-1"))
    assert {r.position for r in homeroom_teacher} == {Position.TEACHER, Position.CLASS_TEACHER}
    parent = await pid(db, "u-parent-1")
    children = await jpeople.children_of(parent)
    assert [c.full_name for c in children] == ["Алина Сорокина"]
    assert children[0].birth_date == date(2012, 4, 17)
    assert await jpeople.children_of(await pid(db, "u-relative")) == []
    assert await db.fetchval("SELECT 1 FROM persons WHERE external_id = 'oneroster:u-gone'") is None
    # The homeroom is the core group; its students are in it; subject classes point at it.
    group = await db.fetchone("SELECT * FROM groups WHERE external_id = 'oneroster:cl-8v'")
    assert group is not None and (group["name"], group["grade"]) == ("8В", 8)
    assert len(await jpeople.students_of_group(group["id"])) == 3
    alg_group = await db.fetchval(
        "SELECT group_id FROM journal_classes WHERE source_id = 'oneroster:cl-8v-alg'"
    )
    assert alg_group == group["id"]
    # The student's journal through the provider.
    journal = SqliteJournal(db)
    alina = await pid(db, "u-student-1")
    report = await journal.student_grades(alina, date(2026, 11, 23))
    assert [t.title for t in report.terms] == ["1 четверть", "2 четверть", "1 полугодие"]
    algebra = next(s for s in report.subjects if s.subject == "Алгебра")
    assert [m.shown for m in algebra.marks] == ["5", "4", "5"]
    q1 = report.terms[0]
    assert algebra.averages[q1.id] == pytest.approx((5 + 4 * 2) / 3)  # the test weighs 2
    assert algebra.teacher == "Громов Пётр"
    homework = await journal.student_homework(alina, date(2026, 11, 23), date(2026, 11, 30))
    assert [(h.subject, h.text, h.due_on) for h in homework] == [
        ("Алгебра", "№ 245, 247 (б)", date(2026, 11, 24))
    ]
    gleb = await journal.student_grades(await pid(db, "u-student-2"), date(2026, 11, 23))
    russian = next(s for s in gleb.subjects if s.subject == "Русский язык")
    assert [m.shown for m in russian.marks] == ["осв."]
    # tobedeleted enrollment: Мира is not in the Russian class.
    mira = await journal.student_grades(await pid(db, "u-student-3"), date(2026, 11, 23))
    assert [s.subject for s in mira.subjects] == ["Алгебра"]
    classes = await journal.teacher_classes(await pid(db, "u-teacher-1"))
    assert [c.title for c in classes] == ["Русский язык, 8В"]


async def test_reimport_is_idempotent_and_keeps_vk_accounts(jpeople: PeopleRepository) -> None:
    db = jpeople.db
    await import_oneroster(GOOD, jpeople)
    alina = await pid(db, "u-student-1")
    await jpeople.bind_vk_account(alina, 555_001)

    async def counts() -> list[int]:
        tables = (
            "persons",
            "roles",
            "groups",
            "journal_classes",
            "journal_enrollments",
            "journal_line_items",
            "journal_results",
            "parent_children",
            "journal_terms",
        )
        return [await db.fetchval(f"SELECT count(*) FROM {t}") for t in tables]  # fmt: skip

    before = await counts()
    await import_oneroster(GOOD, jpeople)
    assert await counts() == before
    person = await jpeople.person(alina)
    assert person is not None and person.vk_user_id == 555_001


MALFORMED = [
    # (file, old text, new text, expected message parts)
    ("users.csv", "u-student-2,,,true,st2,,Глеб,", "u-student-2,,,true,st2,,,",
     ("users.csv, строка 5, столбец 7 (givenName)", "пустое значение")),
    ("academicSessions.csv", "2026-11-05", "2026-13-05",
     ("academicSessions.csv, строка 5, столбец 6 (startDate)", "ожидается дата")),
    ("enrollments.csv", "e7,,,cl-8v-alg", "e7,,,cl-9z",
     ("enrollments.csv, строка 8, столбец 4 (classSourcedId)", "'cl-9z'", "classes.csv")),
    ("orgs.csv", "Лицей № 7,school", "Лицей № 7,university",
     ("orgs.csv, строка 4, столбец 5 (type)", "'university'")),
    ("results.csv", "fully graded,3,", "fully graded,три,",
     ("results.csv, строка 4, столбец 7 (score)", "ожидается число")),
    ("results.csv", "fully graded,4,2026-11-18", "fully graded,7,2026-11-18",
     ("results.csv, строка 6, столбец 7 (score)", "вне диапазона")),
    ("classes.csv", "cl-8v-rus,,,", "cl-8v-rus,,",
     ("classes.csv, строка 4", "полей")),
    ("users.csv", "givenName", "firstName",
     ("users.csv, строка 1, столбец givenName", "нет обязательного столбца")),
    ("courses.csv", "c-rus,", "c-alg,",
     ("courses.csv, строка 3, столбец 1 (sourcedId)", "повторяется")),
    ("lineItems.csv", "2026-11-20,2026-11-24", "2026-11-20,2026-11-14",
     ("lineItems.csv, строка 5, столбец 7 (dueDate)", "раньше")),
    ("enrollments.csv", "e5,,,cl-8v-alg,org-lyceum,u-teacher-2,teacher,true",
     "e5,,,cl-8v-alg,org-lyceum,u-teacher-2,teacher,yes",
     ("enrollments.csv, строка 6, столбец 8 (primary)", "true или false")),
    ("users.csv", "u-teacher-1,,,true,belova,,Надежда", "u-teacher-1,,,true,belova,,\"Надежда",
     ("users.csv", "ошибка формата CSV")),
    ("manifest.csv", "oneroster.version,1.2", "oneroster.version,1.0",
     ("manifest.csv, строка 3, столбец 2 (value)", "1.0")),
    ("roles.csv", "r2,,,u-teacher-2,primary,teacher", "r2,,,u-teacher-2,primary,wizard",
     ("roles.csv, строка 3, столбец 6 (role)", "'wizard'")),
    ("users.csv", "u-parent-1,,,true,par1,,Ирина,Сорокина,,,,,+79130000009,u-student-1",
     "u-parent-1,,,true,par1,,Ирина,Сорокина,,,,,+79130000009,u-student-99",
     ("users.csv, строка 7, столбец 14 (agentSourcedIds)", "'u-student-99'")),
]  # fmt: skip


@pytest.mark.parametrize(("file", "old", "new", "expected"), MALFORMED,
                         ids=[f"{m[0]}:{m[3][-1]}" for m in MALFORMED])  # fmt: skip
async def test_malformed_export_names_file_line_column(
    jpeople: PeopleRepository, tmp_path: Path, file: str, old: str, new: str,
    expected: tuple[str, ...],
) -> None:  # fmt: skip
    folder = tmp_path / "export"
    shutil.copytree(GOOD, folder)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    persons_before = await jpeople.db.fetchval("SELECT count(*) FROM persons")
    with pytest.raises(CsvError) as caught:
        await import_oneroster(folder, jpeople)
    message = str(caught.value)
    for part in expected:
        assert part in message, message
    # Checked before written: nothing of the export landed.
    assert await jpeople.db.fetchval("SELECT count(*) FROM persons") == persons_before
    assert await jpeople.db.fetchval("SELECT count(*) FROM journal_classes") == 0


async def test_wrong_encoding_and_missing_files(jpeople: PeopleRepository, tmp_path: Path
                                                ) -> None:  # fmt: skip
    folder = tmp_path / "export"
    shutil.copytree(GOOD, folder)
    users = folder / "users.csv"
    users.write_bytes(users.read_text(encoding="utf-8").encode("cp1251"))
    with pytest.raises(CsvError, match=r"users\.csv, строка \d+: файл не в кодировке UTF-8"):
        await import_oneroster(folder, jpeople)
    users.unlink()
    with pytest.raises(CsvError, match=r"users\.csv: файл не найден"):
        await import_oneroster(folder, jpeople)
    with pytest.raises(CsvError, match="папка не найдена"):
        await import_oneroster(tmp_path / "nowhere", jpeople)
    (folder / "empty").mkdir()
    (folder / "empty" / "orgs.csv").write_text("", encoding="utf-8")
    with pytest.raises(CsvError, match=r"orgs\.csv, строка 1: файл пуст"):
        await import_oneroster(folder / "empty", jpeople)


async def test_region_code_is_required_without_a_state_org(
    jpeople: PeopleRepository, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    shutil.copytree(GOOD, folder)
    orgs = folder / "orgs.csv"
    orgs.write_text(orgs.read_text(encoding="utf-8").replace(",state,70,", ",state,,"), "utf-8")
    with pytest.raises(CsvError, match="--region"):
        await import_oneroster(folder, jpeople)
    summary = await import_oneroster(folder, jpeople, region_code="54")
    assert summary.organisations == 3
