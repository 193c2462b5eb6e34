"""``sferum new-bot`` makes a project whose own test passes as generated."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli.main import main
from core.plugins import validate


def test_scaffolded_bot_passes_its_own_test(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            ["new-bot", "homework_helper", "--title", "Помощник по домашке", "--dir", str(tmp_path)]
        )
        == 0
    )
    root = tmp_path / "homework-helper"
    assert "Бот homework_helper создан" in capsys.readouterr().out
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert 'homework_helper = "homework_helper:plugin"' in pyproject
    # Run the generated tests as a developer would, in a fresh interpreter, from the project root.
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    sys.path.insert(0, str(root))
    try:
        import homework_helper

        assert validate(homework_helper.plugin, "homework_helper").title == "Помощник по домашке"
    finally:
        sys.path.remove(str(root))


@pytest.mark.parametrize("bad", ["Bot", "1bot", "my-bot", "class", "x"])
def test_bad_names_are_refused(
    tmp_path: Path, bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new-bot", bad, "--dir", str(tmp_path)]) == 2
    assert "Ошибка" in capsys.readouterr().err
