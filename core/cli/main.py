"""The ``sferum`` command: one subcommand per module listed in COMMANDS."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Protocol

from core.clock import Clock, ClockSettingError, clock_from_environment
from core.config import ConfigError


class CommandModule(Protocol):
    def register(self, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...


# Each module adds its subparsers and sets ``handler`` (args -> exit code) on them. A handler
# takes the time from ``args.clock`` only: the one clock of the command, injected by main().
COMMANDS: tuple[str, ...] = (
    "core.cli.run_cmd",
    "core.cli.data_cmd",
    "core.cli.policy_cmd",
    "core.cli.broadcast_cmd",
    "core.cli.scaffold_cmd",
    "core.cli.roles_cmd",
    "core.cli.sandbox_cmd",
    "core.cli.monitoring_cmd",
    "core.cli.doctor_cmd",
    "bots.exam_trainer.cli",
    "bots.pushkin_card.cli",
    "bots.rosobrnadzor_helper.cli",
    "miniapp.cli",
)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sferum",
        description="Школьные чат-боты и мини-приложения для VK Мессенджера (Сферум).",
    )
    sub = parser.add_subparsers(dest="command", metavar="КОМАНДА")
    for name in COMMANDS:
        module: CommandModule = importlib.import_module(name)  # type: ignore[assignment]
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    """Run one command. ``clock`` is its time (tests pass a ManualClock); without it the system
    clock, or one started at ``SFERUM_NOW`` (core.clock.clock_from_environment)."""
    parser = build_parser()
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
