"""``sferum monitoring thresholds period``: shows and sets the region's methodology period; the
thresholds listing names it and marks the region's own values."""

from __future__ import annotations

from pathlib import Path

import pytest

from sferum.cli import main


def test_show_and_set_the_period(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["monitoring", "thresholds", "period", "--region", "54"]) == 0
    out = capsys.readouterr().out
    assert "период методики: официальные пороги с 15.11.2022 (--period from-2022-11-15)" in out
    assert "норма от 35 %" in out  # today's ≥10 target

    period = ["--region", "54", "--period", "before-2022-11-15"]
    assert main(["monitoring", "thresholds", "period", *period]) == 0
    out = capsys.readouterr().out
    assert "официальные пороги до 15.11.2022 (--period before-2022-11-15)" in out
    assert "(--metric writers10): ниже нормы до — %, норма от 25 %" in out

    own = ["--region", "54", "--metric", "callers", "--good", "40"]
    assert main(["monitoring", "thresholds", "set", *own]) == 0
    assert main(["monitoring", "thresholds", "show", "--region", "54"]) == 0
    out = capsys.readouterr().out
    assert "до 15.11.2022" in out  # the period is stored
    assert "(--metric callers): ниже нормы до — %, норма от 40 % (своё значение региона)" in out
    # Another region keeps the current set.
    assert main(["monitoring", "thresholds", "show", "--region", "42"]) == 0
    assert "с 15.11.2022" in capsys.readouterr().out

    with pytest.raises(SystemExit) as refused:  # argparse refuses a period it does not offer
        main(["monitoring", "thresholds", "period", "--region", "54", "--period", "2021"])
    assert refused.value.code == 2
