"""VK API errors with VK's own codes and texts, read from VK's errors.json.

The texts come from the vendored schema (vendor/vk-api-schema/errors.json, or the folder
SFERUM_VK_SCHEMA_DIR names) rather than a table kept by hand: a hand-kept table missed codes,
and a code it did not know answered "Unknown error occurred" where VK names the error.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def schema_dir() -> Path:
    """Where VK's schema files are, for these texts and for sandbox.vk_schema's validation. It
    lives here, not there, because validation needs jsonschema, a development dependency, and
    these texts do not."""
    configured = os.environ.get("SFERUM_VK_SCHEMA_DIR")
    if configured:
        return Path(configured)
    # A copy ships in the repository (vendor/, MIT, see its SOURCE) so a clean clone validates
    # without the workspace's shared/ folder next to it.
    vendored = Path(__file__).resolve().parents[1] / "vendor" / "vk-api-schema"
    if vendored.is_dir():
        return vendored
    return Path(__file__).resolve().parents[2] / "shared" / "vk-api-schema"


def load_error_texts(path: Path | None = None) -> dict[int, str]:
    """Code -> VK's description, exactly as errors.json words it."""
    source = path or schema_dir() / "errors.json"
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuntimeError(
            f"VK's errors.json not found at {source}: the sandbox answers errors in VK's words "
            "from it (set SFERUM_VK_SCHEMA_DIR to a copy of vk-api-schema)"
        ) from None
    texts: dict[int, str] = {}
    for entry in document["errors"].values():
        # Codes are unique in errors.json; should one ever repeat, the first wording stays.
        texts.setdefault(int(entry["code"]), str(entry["description"]))
    return texts


# Base texts exactly as errors.json words them; a detail may follow after ": ".
ERROR_TEXTS: dict[int, str] = load_error_texts()


class VkError(Exception):
    """An error the sandbox answers exactly as VK would: a code and VK's message."""

    def __init__(self, code: int, detail: str | None = None, *, text: str | None = None) -> None:
        base = text if text is not None else ERROR_TEXTS.get(code)
        if base is None:
            # A code VK does not have would reach clients as an error no VK client knows.
            raise ValueError(f"error {code} is not in VK's errors.json")
        self.code = code
        self.message = f"{base}: {detail}" if detail else base
        super().__init__(self.message)

    def as_item_error(self) -> dict[str, Any]:
        """The shape used inside messages.send's per-peer answers (base_message_error)."""
        return {"code": self.code, "description": self.message}


def param_error(detail: str) -> VkError:
    return VkError(100, detail)


def decoded_json(raw: str, name: str, refuse: Callable[[str], VkError]) -> Any:
    """``raw`` decoded, or ``refuse("<name> must be a valid JSON")``. VK words the refusal the
    same for a payload, a keyboard and event_data; only the code differs (911 for keyboards,
    100 elsewhere), hence the caller's ``refuse``."""
    try:
        return json.loads(raw)
    except ValueError:
        raise refuse(f"{name} must be a valid JSON") from None


def json_object(raw: str, name: str, refuse: Callable[[str], VkError]) -> dict[str, Any]:
    """As decoded_json, and refused as "<name> must be an object" unless it is one."""
    data = decoded_json(raw, name, refuse)
    if not isinstance(data, dict):
        raise refuse(f"{name} must be an object")
    return data


def request_params(
    method: str, version: str | None, params: dict[str, str]
) -> list[dict[str, str]]:
    """VK echoes the call in every error: method, oauth, v, then the call's own parameters."""
    echoed = [{"key": "method", "value": method}, {"key": "oauth", "value": "1"}]
    if version is not None:
        echoed.append({"key": "v", "value": version})
    for key, value in params.items():
        if key not in ("access_token", "v", "method", "oauth"):
            echoed.append({"key": key, "value": value})
    return echoed


def error_body(error: VkError, request_params_list: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "error": {
            "error_code": error.code,
            "error_msg": error.message,
            "request_params": request_params_list,
        }
    }
