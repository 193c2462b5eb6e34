"""``sferum roles``: show, revoke (admins only), invite links, journal codes."""

import sqlite3
from pathlib import Path

import pytest

from core.demo.district import build
from sferum.cli import main


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SFERUM_DB_PATH", str(tmp_path / "roles.db"))
    monkeypatch.setenv("SFERUM_VK_GROUP_ID", "777")
    monkeypatch.setenv("SFERUM_VK_TOKEN", "x" * 10)
    monkeypatch.setenv("SFERUM_VK_APP_SECRET", "Zq8rT2mXw4Lp9sVb6NcY")
    assert main(["demo-data", "--force"]) == 0
    return tmp_path


def test_demo_data_is_refused_on_real_vk_without_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "school.db"
    monkeypatch.setenv("SFERUM_DB_PATH", str(database))
    monkeypatch.setenv("SFERUM_VK_GROUP_ID", "777")
    monkeypatch.setenv("SFERUM_VK_TOKEN", "x" * 10)
    monkeypatch.setenv("SFERUM_VK_APP_SECRET", "Zq8rT2mXw4Lp9sVb6NcY")
    assert main(["demo-data"]) == 2
    err = capsys.readouterr().err
    assert "настоящего VK" in err and "--force" in err
    assert (
        not database.exists()
        or sqlite3.connect(database)
        .execute("SELECT count(*) FROM sqlite_master WHERE name = 'persons'")
        .fetchone()[0]
        == 0
    )


def test_show_revoke_invite_and_code(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = build().vk_ids()
    capsys.readouterr()
    assert main(["roles", "show", str(ids["kuznetsov"])]) == 0
    out = capsys.readouterr().out
    assert "Олег Кузнецов" in out and "сотрудник, учитель" in out
    role_id = int(out.split("роль № ")[1].split(":")[0])

    # A teacher is not an admin: refused with a reason.
    assert (
        main(["roles", "revoke", str(role_id), "--by", str(ids["smirnova"]), "--reason", "x"]) == 1
    )
    assert "только администратор" in capsys.readouterr().err
    assert (
        main(["roles", "revoke", str(role_id), "--by", str(ids["orlov"]), "--reason", "увольнение"])
        == 0
    )
    assert "Роль отозвана" in capsys.readouterr().out
    assert main(["roles", "show", str(ids["kuznetsov"])]) == 0
    out = capsys.readouterr().out
    assert "действующих ролей нет" in out and "отозвана" in out and "причина: увольнение" in out

    invite = ["roles", "invite", "--org", "4", "--role", "parent", "--days", "3", "--uses", "5"]
    assert main([*invite, "--by", str(ids["orlov"])]) == 0
    assert "https://vk.me/club777?ref=invite-" in capsys.readouterr().out
    assert main(["roles", "code", "1", "--role", "parent", "--org", "4"]) == 0
    assert "Код журнала:" in capsys.readouterr().out
