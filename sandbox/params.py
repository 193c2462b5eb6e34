"""Method parameters as VK reads them: from a form (strings) or from execute (JSON values)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from .errors import param_error


class Params:
    def __init__(self, raw: Mapping[str, object]) -> None:
        self.raw = raw

    def __contains__(self, name: str) -> bool:
        value = self.raw.get(name)
        return value is not None and value != ""

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, (int, float)):
            return str(value)
        return json.dumps(value, ensure_ascii=False)

    def required_text(self, name: str) -> str:
        value = self.text(name)
        if value is None or value == "":
            raise param_error(f"{name} is undefined")
        return value

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise param_error(f"{name} not integer") from None

    def required_integer(self, name: str) -> int:
        value = self.integer(name)
        if value is None:
            raise param_error(f"{name} is undefined")
        return value

    def flag(self, name: str) -> bool:
        value = self.raw.get(name)
        if value is None or value == "":
            return False
        if isinstance(value, (bool, int)):
            return bool(value)
        return str(value).strip().lower() not in ("0", "false")

    def integers(self, name: str) -> list[int] | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        items: list[object]
        if isinstance(value, list):
            items = list(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            items = [value]
        else:
            items = [part for part in str(value).split(",") if part.strip()]
        try:
            return [int(str(item).strip()) for item in items]
        except ValueError:
            raise param_error(f"{name} must be a list of integers") from None

    def strings(self, name: str) -> list[str]:
        value = self.raw.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return [str(item) for item in value]
        return [part.strip() for part in str(value).split(",") if part.strip()]

    def echo(self) -> dict[str, str]:
        """The parameters as strings, for request_params in errors."""
        return {key: self.text(key) or "" for key in self.raw}
