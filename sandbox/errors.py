"""VK API errors with VK's own codes and texts (../shared/vk-api-schema/errors.json)."""

from __future__ import annotations

from typing import Any

# Base texts exactly as errors.json words them; a detail may follow after ": ".
ERROR_TEXTS: dict[int, str] = {
    1: "Unknown error occurred",
    3: "Unknown method passed",
    5: "User authorization failed",
    6: "Too many requests per second",
    7: "Permission to perform this action is denied",
    8: "Invalid request",
    9: "Flood control",
    10: "Internal server error",
    12: "Unable to compile code",
    13: "Runtime error occurred during code invocation",
    15: "Access denied",
    27: "Group authorization failed",
    100: "One of the parameters specified was missing or invalid",
    104: "Not found",
    113: "Invalid user id",
    901: "Can't send messages for users without permission",
    909: "Can't edit this message, because it's too old",
    911: "Keyboard format is invalid",
    914: "Message is too long",
    917: "You don't have access to this chat",
    920: "Can't edit this kind of message",
    987: "Need message request",
    988: "Pending message request",
}


class VkError(Exception):
    """An error the sandbox answers exactly as VK would: a code and VK's message."""

    def __init__(self, code: int, detail: str | None = None, *, text: str | None = None) -> None:
        base = text if text is not None else ERROR_TEXTS.get(code, ERROR_TEXTS[1])
        self.code = code
        self.message = f"{base}: {detail}" if detail else base
        super().__init__(self.message)

    def as_item_error(self) -> dict[str, Any]:
        """The shape used inside messages.send's per-peer answers (base_message_error)."""
        return {"code": self.code, "description": self.message}


def param_error(detail: str) -> VkError:
    return VkError(100, detail)


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
