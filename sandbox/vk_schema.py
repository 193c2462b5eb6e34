"""Validation against the official VK API JSON schema (vendor/vk-api-schema, a copy of
../shared/vk-api-schema).

The schema is draft-07 but still marks required properties draft-03 style ("required": true on
the property); we rewrite those into draft-07 "required" lists so they are enforced. Cross-file
$refs resolve through a referencing.Registry. ERRATA lists the few places where VK itself (and
vkbottle, which follows VK) differs from the published schema; each says why.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT7

from .errors import schema_dir

BASE = "https://vk-api-schema.local/"


def _full_group_extends_group(definitions: dict[str, Any]) -> dict[str, Any]:
    """groups_group_full = allOf(groups_group, ...), but groups_group forbids additional
    properties, so no field of the full object (can_message, members_count, ...) could ever
    validate. Its allOf takes groups_group's properties without that ban; groups_group itself
    stays strict everywhere else."""
    full = definitions["groups_group_full"]
    group = definitions["groups_group"]
    base = {key: value for key, value in group.items() if key != "additionalProperties"}
    return {**definitions, "groups_group_full": {**full, "allOf": [base, *full["allOf"][1:]]}}


# (file, JSON pointer inside it, replacement or function of the old value, why)
ERRATA: tuple[tuple[str, tuple[str, ...], Any, str], ...] = (
    (
        "callback/objects.json",
        ("definitions", "callback_type", "enum"),
        lambda old: [*old, "message_event"],
        "callback_type omits message_event although callback_message_event, "
        "groups.setCallbackSettings and groups.setLongPollSettings all know it.",
    ),
    (
        "callback/objects.json",
        ("definitions", "callback_message_event", "properties", "payload"),
        {"not": {"type": "null"}},
        "VK sends a callback button's payload as the JSON value itself (an object), not as a "
        "string; vkbottle's MessageEventObject requires an object.",
    ),
    (
        "base/objects.json",
        ("definitions", "base_error", "required"),
        ["error_code"],
        "The API's error object has no inner_type; only error_code is always present.",
    ),
    (
        "base/responses.json",
        ("definitions", "base_undefined_response", "properties", "response"),
        {},
        "execute returns whatever its code returns, usually an array, not only an object.",
    ),
    (
        "messages/objects.json",
        ("definitions", "messages_send_user_ids_response_item"),
        lambda old: {
            **old,
            "required": ["peer_id"],
            "anyOf": [
                {"required": ["error"]},
                {"required": ["message_id", "conversation_message_id"]},
            ],
        },
        "A recipient messages.send (peer_ids) failed for has only peer_id and error: VK leaves "
        "message_id out (vk-api-schema issue #208) and conversation_message_id with it.",
    ),
    (
        "groups/objects.json",
        ("definitions",),
        _full_group_extends_group,
        "groups_group_full extends groups_group, which bans additional properties, so a "
        "groups.getById answer with any of its fields (fields=can_message) never validated.",
    ),
)

EVENT_OBJECTS: dict[str, str] = {
    "message_new": "callback_message_new",
    "message_reply": "callback_message",
    "message_edit": "callback_message",
    "message_event": "callback_message_event",
    "message_allow": "callback_message_allow",
    "message_deny": "callback_message_deny",
}


def _upgrade_required(node: Any) -> None:
    """Draft-03 "required": true on properties -> draft-07 "required": [names] on the object."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            names = [
                name
                for name, sub in properties.items()
                if isinstance(sub, dict) and sub.get("required") is True
            ]
            if names:
                existing = node.get("required")
                node["required"] = (existing if isinstance(existing, list) else []) + names
        for value in node.values():
            _upgrade_required(value)
        if isinstance(node.get("required"), bool):
            del node["required"]
    elif isinstance(node, list):
        for item in node:
            _upgrade_required(item)


def _patch(document: dict[str, Any], pointer: tuple[str, ...], value: Any) -> None:
    target = document
    for part in pointer[:-1]:
        target = target[part]
    target[pointer[-1]] = value(target[pointer[-1]]) if callable(value) else value


class SchemaMismatch(AssertionError):
    pass


class VkSchema:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or schema_dir()
        if not self.root.is_dir():
            raise FileNotFoundError(f"VK API schema not found at {self.root}")
        documents: dict[str, dict[str, Any]] = {}
        for path in sorted(self.root.rglob("*.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            document.pop("$schema", None)
            _upgrade_required(document)
            documents[path.relative_to(self.root).as_posix()] = document
        for file, pointer, value, _why in ERRATA:
            _patch(documents[file], pointer, value)
        self.methods: dict[str, tuple[str, dict[str, Any]]] = {}
        for file, document in documents.items():
            if file.endswith("/methods.json"):
                for method in document.get("methods", []):
                    self.methods[method["name"]] = (file, method)
        self.registry: Registry[Any] = Registry().with_resources(
            (BASE + file, DRAFT7.create_resource(document)) for file, document in documents.items()
        )
        self._validators: dict[str, jsonschema.Draft7Validator] = {}

    def validator(self, uri: str) -> jsonschema.Draft7Validator:
        found = self._validators.get(uri)
        if found is None:
            found = jsonschema.Draft7Validator({"$ref": uri}, registry=self.registry)
            self._validators[uri] = found
        return found

    def _check(self, uri: str, instance: Any, what: str) -> None:
        errors = sorted(self.validator(uri).iter_errors(instance), key=lambda e: list(e.path))
        if errors:
            lines = [f"{what} does not match {uri.removeprefix(BASE)}:"]
            for error in errors[:10]:
                where = "/".join(str(p) for p in error.absolute_path) or "(root)"
                lines.append(f"  at {where}: {error.message[:300]}")
            raise SchemaMismatch("\n".join(lines))

    def response_uri(self, method: str, variant: str = "response") -> str:
        if method not in self.methods:
            raise KeyError(f"{method} is not in the VK API schema")
        file, spec = self.methods[method]
        ref = str(spec["responses"][variant]["$ref"])
        return urljoin(BASE + file, ref)

    def response_variants(self, method: str) -> list[str]:
        return list(self.methods[method][1]["responses"])

    def check_response(
        self, method: str, body: Mapping[str, Any], variant: str = "response"
    ) -> None:
        """A successful answer {"response": ...} against the method's response schema."""
        if "error" in body:
            raise SchemaMismatch(f"{method} answered an error: {body['error']}")
        self._check(self.response_uri(method, variant), body, f"{method} response")

    def check_error(self, body: Mapping[str, Any]) -> None:
        if set(body) != {"error"}:
            raise SchemaMismatch(f"an error answer must hold only 'error', got {sorted(body)}")
        self._check(BASE + "base/objects.json#/definitions/base_error", body["error"], "error")

    def check_event(self, event: Mapping[str, Any]) -> None:
        """A Bots Long Poll update or Callback API body: envelope, then its object by type."""
        self._check(BASE + "callback/objects.json#/definitions/callback_base", event, "event")
        definition = EVENT_OBJECTS.get(str(event.get("type")))
        if definition is None:
            raise SchemaMismatch(f"no schema known for event type {event.get('type')!r}")
        self._check(
            BASE + f"callback/objects.json#/definitions/{definition}",
            event.get("object"),
            f"{event['type']} object",
        )

    def errata(self) -> Iterator[str]:
        for file, pointer, _value, why in ERRATA:
            yield f"{file}#/{'/'.join(pointer)}: {why}"


@cache
def vk_schema() -> VkSchema:
    """The schema, loaded once per process."""
    return VkSchema()
