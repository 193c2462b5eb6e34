"""The one place a process's time comes from, and commands taking it from there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.clock import (
    ClockSettingError,
    ManualClock,
    StartedClock,
    SystemClock,
    clock_from_environment,
)
from core.demo.district import build
from sferum.cli import main


def test_the_system_clock_unless_told() -> None:
    assert isinstance(clock_from_environment({}), SystemClock)


def test_sferum_now_starts_the_clock_there_and_lets_it_run() -> None:
    ticks = iter([100.0, 100.0, 160.5])
    clock = StartedClock(datetime(2027, 3, 1, 9, 0, tzinfo=UTC), monotonic=lambda: next(ticks))
    assert clock.now() == datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    assert clock.now() == datetime(2027, 3, 1, 9, 1, 0, 500000, tzinfo=UTC)
    env = clock_from_environment({"SFERUM_NOW": "2027-03-01T16:00+07:00"})
    assert abs(env.now() - datetime(2027, 3, 1, 9, 0, tzinfo=UTC)) < timedelta(minutes=1)


@pytest.mark.parametrize("value", ["tomorrow", "2027-03-01T16:00"])
def test_a_bad_moment_is_refused(value: str) -> None:
    with pytest.raises(ClockSettingError, match="SFERUM_NOW"):
        clock_from_environment({"SFERUM_NOW": value})


def test_a_command_stops_with_one_line_on_a_bad_moment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SFERUM_NOW", "вчера")
    monkeypatch.setenv("SFERUM_DB_PATH", str(tmp_path / "x.db"))
    assert main(["demo-data"]) == 2
    assert capsys.readouterr().err.startswith("Ошибка настройки: SFERUM_NOW:")


def test_main_hands_its_clock_to_the_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An invite made by the CLI expires a week after the clock it was given, not after today."""
    import sqlite3

    database = tmp_path / "x.db"
    monkeypatch.setenv("SFERUM_DB_PATH", str(database))
    monkeypatch.setenv("SFERUM_CONFIG", str(tmp_path / "none.toml"))
    assert main(["demo-data"]) == 0
    given = ManualClock(datetime(2031, 5, 12, 4, 0, tzinfo=UTC))
    connection = sqlite3.connect(database)
    orlov = build().vk_ids()["orlov"]  # the demo school's admin (organisation 4)
    command = ["roles", "invite", "--org", "4", "--role", "parent", "--days", "7",
               "--uses", "3", "--by", str(orlov)]  # fmt: skip
    assert main(command, clock=given) == 0, capsys.readouterr()
    expires = connection.execute("SELECT max(expires_at) FROM invites").fetchone()[0]
    assert datetime.fromisoformat(expires) == given.now() + timedelta(days=7)
