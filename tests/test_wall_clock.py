"""Product code never reads the wall clock: time comes from the injected clock (core/clock.py is
the one place that reads it). This is what lets a test on a pinned ManualClock pass on any date,
so `make test-clock` moves the machine's clock only under the tests that run on real time
(see CLOCK_TESTS in the Makefile)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "bots", "miniapp", "sandbox")
ALLOWED = {Path("core/clock.py")}
WALL_CLOCK = re.compile(
    r"\b(?:datetime\.(?:now|utcnow|today)|date\.today|time\.(?:time|time_ns|localtime|gmtime|ctime))\("
    r"|\bfrom\s+time\s+import\s+[^\n]*\b(?:time|time_ns|localtime|gmtime)\b"
)
# SQLite's own clock ('now') is the wall clock too; only column defaults use it (the migrations'
# SQL files, and the bookkeeping table of migrations.py with its default from dialect.py), never a
# query.
SQL_NOW = re.compile(
    r"""\b(?:strftime|datetime|julianday|date|time|unixepoch)\s*\([^)]*['"]now['"]"""
    r"|\bCURRENT_(?:TIMESTAMP|DATE|TIME)\b"
)
SQL_ALLOWED = {Path("core/storage/migrations.py"), Path("core/storage/dialect.py")}


def _sources() -> list[Path]:
    return [path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]


def test_product_code_reads_time_only_from_the_injected_clock() -> None:
    offenders = []
    for path in _sources():
        relative = path.relative_to(ROOT)
        if relative in ALLOWED:
            continue
        text = path.read_text(encoding="utf-8")
        for match in WALL_CLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            offenders.append(f"{relative}:{line}: {match.group(0).strip()}")
        for match in SQL_NOW.finditer(text) if relative not in SQL_ALLOWED else ():
            line = text.count("\n", 0, match.start()) + 1
            offenders.append(f"{relative}:{line}: SQL 'now'")
    assert offenders == [], "the wall clock read outside core/clock.py:\n" + "\n".join(offenders)


def test_the_guard_sees_a_wall_clock_read() -> None:
    samples = (
        "x = datetime.now(UTC)",
        "d = date.today()",
        "t = time.time()",
        "from time import time",
        "db.execute(\"SELECT strftime('%s', 'now')\")",
    )
    for sample in samples:
        assert WALL_CLOCK.search(sample) or SQL_NOW.search(sample), sample
    assert not WALL_CLOCK.search("now = self.clock.now()")
    assert not WALL_CLOCK.search("time.monotonic()")
    assert not SQL_NOW.search('texts.label("now")')
