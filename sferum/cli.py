"""The ``sferum`` command: core's, the sandbox's and the mini-app's command modules (COMMANDS),
then the commands every installed plugin declares (``Plugin.commands``)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from core.clock import Clock, ClockSettingError, clock_from_environment
from core.config import ConfigError
from core.plugins import Plugin, PluginLoadError, check_commands, discover
from core.plugins.loader import installed


class CommandModule(Protocol):
    def register(self, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...


# Each module adds its subparsers and sets ``handler`` (args -> exit code) on them. A handler
# takes the time from ``args.clock`` only: the one clock of the command, injected by main().
# Plugins are not listed: they bring their commands themselves.
COMMANDS: tuple[str, ...] = (
    "sferum.commands.run_cmd",
    "core.cli.data_cmd",
    "core.cli.policy_cmd",
    "core.cli.broadcast_cmd",
    "core.cli.scaffold_cmd",
    "core.cli.roles_cmd",
    "sferum.commands.sandbox_cmd",
    "core.cli.monitoring_cmd",
    "core.cli.doctor_cmd",
    "miniapp.cli",
)

Handler = Callable[[argparse.Namespace], int]
if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]


def _skip(error: PluginLoadError) -> None:
    """One Russian line on stderr: this plugin's commands are missing, the others are not."""
    from core.texts import CORE_TEXTS

    line = CORE_TEXTS.render("plugin_skipped.j2", name=error.plugin, problem=str(error))
    print(line, file=sys.stderr)


def installed_plugins() -> list[Plugin]:
    """Every installed plugin that loads; each one that does not is named on stderr."""
    found: list[Plugin] = []
    for name in installed():
        try:
            found.extend(discover([name]))
        except PluginLoadError as exc:
            _skip(exc)
    return found


def add_plugin_commands(sub: SubParsers, plugins: Sequence[Plugin]) -> list[Plugin]:
    """Add each plugin's commands unless they clash with a command already there (core's or an
    earlier plugin's); returns the plugins whose commands were added."""
    added: list[Plugin] = []
    for plugin in plugins:
        try:
            check_commands([plugin], set(sub.choices))
        except PluginLoadError as exc:
            _skip(exc)
            continue
        for hook in plugin.commands:
            hook(sub)
        added.append(plugin)
    return added


def build_parser(plugins: Sequence[Plugin] | None = None) -> argparse.ArgumentParser:
    """``plugins``: whose commands to add (tests pass their own); by default every installed one."""
    parser = argparse.ArgumentParser(
        prog="sferum",
        description="Школьные чат-боты и мини-приложения для VK Мессенджера (Сферум).",
    )
    sub = parser.add_subparsers(dest="command", metavar="КОМАНДА")
    for name in COMMANDS:
        module: CommandModule = importlib.import_module(name)  # type: ignore[assignment]
        module.register(sub)
    add_plugin_commands(sub, installed_plugins() if plugins is None else plugins)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    clock: Clock | None = None,
    plugins: Sequence[Plugin] | None = None,
) -> int:
    """Run one command. ``clock`` is its time (tests pass a ManualClock); without it the system
    clock, or one started at ``SFERUM_NOW`` (core.clock.clock_from_environment). ``plugins``:
    whose commands there are (by default every installed plugin's)."""
    parser = build_parser(plugins)
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        args.clock = clock or clock_from_environment()
        return handler(args)
    except (ConfigError, ClockSettingError) as exc:
        print(f"Ошибка настройки: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
