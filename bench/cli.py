"""The command line the benchmarks share: options with defaults in, one JSON object out."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import Any


def print_result(
    main: Callable[..., Coroutine[Any, Any, object]],
    options: dict[str, int | float | str],
    *,
    description: str | None = None,
    indent: int | None = None,
) -> None:
    """One `--<name>` a option, of its default's type, passed to ``main`` in this order (the
    names are the command line's, not main's parameters); prints what main returns as JSON."""
    parser = argparse.ArgumentParser(description=description)
    for name, default in options.items():
        parser.add_argument(f"--{name}", type=type(default), default=default)
    values = vars(parser.parse_args()).values()
    print(json.dumps(asyncio.run(main(*values)), ensure_ascii=False, indent=indent))
