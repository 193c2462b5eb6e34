"""A plugin declares its `sferum` commands on the Plugin; core finds them, refuses clashes and
keeps `sferum --help` working when one plugin cannot load."""

from __future__ import annotations

import argparse
from importlib.metadata import EntryPoint

import pytest
from vkbottle.framework.labeler import BotLabeler

from core.clock import ManualClock
from core.plugins import Plugin, PluginLoadError, check_commands, command_names
from core.plugins.loader import installed
from core.texts import CORE_TEXTS
from sferum import cli
from sferum.cli import build_parser, main

SubParsers = "argparse._SubParsersAction[argparse.ArgumentParser]"


def homework_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    homework = sub.add_parser("homework", help="домашние задания: список")
    homework.add_argument("--class", dest="class_name", default="9А")

    def run(args: argparse.Namespace) -> int:
        print(f"{args.class_name} {args.clock.now().date().isoformat()}")
        return 0

    homework.set_defaults(handler=run)


def named(name: str, *hooks: object) -> Plugin:
    return Plugin(
        name=name,
        title="Бот",
        labelers=[BotLabeler()],
        texts=CORE_TEXTS,
        commands=hooks,  # type: ignore[arg-type]
    )


def test_a_plugin_command_runs_with_the_commands_clock(
    capsys: pytest.CaptureFixture[str], clock: ManualClock
) -> None:
    plugin = named("homework", homework_commands)
    assert command_names(plugin) == ["homework"]
    assert main(["homework", "--class", "11А"], clock=clock, plugins=[plugin]) == 0
    assert capsys.readouterr().out.strip() == "11А 2026-11-23"


def test_sferum_help_lists_the_bots_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out, err = capsys.readouterr()
    for command in ("tasks", "events", "kb", "run", "miniapp"):
        assert f"    {command} " in out, command
    assert err == ""


def test_clashes_are_refused_with_the_owner() -> None:
    with pytest.raises(PluginLoadError, match="command 'run' is a command of core"):
        check_commands([named("runner", lambda sub: sub.add_parser("run"))], {"run", "migrate"})
    first, second = named("homework", homework_commands), named("other", homework_commands)
    with pytest.raises(PluginLoadError, match="already a command of plugin 'homework'"):
        check_commands([first, second], set())


def test_a_clashing_plugin_loses_its_commands_and_the_others_keep_theirs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rogue = named("rogue", lambda sub: sub.add_parser("run", help="чужой run"))
    parser = build_parser([rogue, named("homework", homework_commands)])
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "плагин 'rogue'" in err and "'run'" in err
    help_text = parser.format_help()
    assert "homework" in help_text and "чужой run" not in help_text


def test_a_plugin_that_cannot_load_does_not_break_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = EntryPoint("broken_bot", "no_such_module_anywhere:plugin", "sferum.bots")
    real = installed()

    def with_broken() -> list[str]:
        return [*real, "broken_bot"]

    def entry_points(group: str) -> list[EntryPoint]:
        from importlib.metadata import entry_points as actual

        return [*actual(group=group), broken]

    monkeypatch.setattr(cli, "installed", with_broken)  # what sferum.cli asks
    monkeypatch.setattr("core.plugins.loader.entry_points", entry_points)
    with pytest.raises(SystemExit):
        main(["--help"])
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "плагин 'broken_bot'" in err
    assert "команд этого плагина нет" in err
    assert "    tasks " in out and "    kb " in out
