"""Every error the sandbox answers carries VK's own text from errors.json, not a text of ours."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sandbox.errors import ERROR_TEXTS, VkError, load_error_texts
from sandbox.faults import FaultInjector
from sandbox.records import Community

from .conftest import Control, Vk, error_of

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = ROOT / "sandbox"


def errors_json() -> dict[int, str]:
    """VK's codes and texts, read here on their own (not through the module under test)."""
    document = json.loads((ROOT / "vendor/vk-api-schema/errors.json").read_text(encoding="utf-8"))
    return {int(e["code"]): str(e["description"]) for e in document["errors"].values()}


def raised_codes() -> set[int]:
    """The codes the sandbox's code can raise: VkError(<code>) anywhere under sandbox/, 100 for
    param_error, and the codes fault injection answers with (raise VkError(fault))."""
    codes: set[int] = set()
    for path in SANDBOX.rglob("*.py"):
        codes.update(int(c) for c in re.findall(r"VkError\(\s*(\d+)", path.read_text("utf-8")))
    codes.add(100)
    codes.update(
        value
        for name, value in vars(FaultInjector).items()
        if name.startswith("ERROR_") and isinstance(value, int)
    )
    return codes


def test_the_scan_finds_the_codes_it_must() -> None:
    # Guards the scan itself: a regex that matched nothing would make the next test pass empty.
    assert {6, 9, 10, 100, 901, 912, 914, 917} <= raised_codes()


def test_every_code_the_sandbox_raises_answers_errors_json_text() -> None:
    vk = errors_json()
    missing = sorted(code for code in raised_codes() if code not in vk)
    assert not missing, f"codes not in VK's errors.json: {missing}"
    for code in raised_codes():
        assert VkError(code).message == vk[code], code
        assert VkError(code, "detail").message == f"{vk[code]}: detail"


def test_the_texts_are_all_of_errors_json() -> None:
    assert errors_json() == ERROR_TEXTS
    assert len(ERROR_TEXTS) > 200


def test_a_code_vk_does_not_have_is_a_bug_not_unknown_error() -> None:
    with pytest.raises(ValueError, match=r"errors\.json"):
        VkError(123456)


def test_a_missing_errors_json_is_named(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="SFERUM_VK_SCHEMA_DIR"):
        load_error_texts(tmp_path / "errors.json")


async def test_912_answers_vks_text_over_http(
    vk: Vk, control: Control, community: Community
) -> None:
    """Once «Unknown error occurred»: 912 was missing from the hand-kept table."""
    person = await control.post("/users", {"first_name": "Анна", "last_name": "Тестова"}, 201)
    keyboard = json.dumps({"one_time": False, "buttons": []})
    body = await vk.call(
        "messages.send",
        person["access_token"],
        peer_id=-community.id,
        random_id=1,
        message="с клавиатурой",
        keyboard=keyboard,
    )
    assert error_of(body) == (912, "This is a chat bot feature, change this status in settings")


async def test_flood_control_answers_vks_text(
    vk: Vk, control: Control, community: Community
) -> None:
    await control.put("/faults", {"error9_share": 1.0})
    assert error_of(await vk.call("groups.getById", community.access_token)) == (9, "Flood control")
