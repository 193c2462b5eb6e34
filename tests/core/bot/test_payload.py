"""core.bot.Payload: the wire format bots sent by hand, VK's 255 characters, forged buttons."""

from __future__ import annotations

import json

import pytest

from core.bot import (
    LooseInt,
    LooseStr,
    Paging,
    Payload,
    PayloadDeclarationError,
    PayloadTooLong,
    payload_classes,
)
from core.keyboards import KeyboardError


class Probe(Payload, key="zz"):
    """The base of this module's payloads."""


class Train(Probe, action="train"):
    task: int | None = None
    topic: str = "all"


class Pick(Probe, action="pick"):
    v: LooseInt = None
    name: LooseStr = None


class Turn(Paging, Probe, action="turn"): ...


def test_packs_to_the_hand_written_dict_and_back() -> None:
    packed = Train(task=7).pack()
    assert packed == {"zz": "train", "task": 7, "topic": "all"}
    assert list(packed) == ["zz", "task", "topic"]  # the key first, then fields as declared
    assert Train().pack() == {"zz": "train", "topic": "all"}  # None fields are left out
    assert Train.parse(packed) == Train(task=7)
    assert Train.parse(json.dumps(packed)) == Train(task=7)  # the JSON text too
    assert Train.parse({"zz": "train"}) == Train()  # an old button without the field
    assert Train.wire_key() == "zz" and Train.wire_action() == "train"


def test_a_payload_is_frozen() -> None:
    with pytest.raises(ValueError):
        Train(task=1).task = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    "data",
    [
        {"zz": "train", "task": "x"},  # forged field
        {"zz": "train", "task": [1]},
        {"zz": "pick"},  # another action
        {"et": "train"},  # another plugin
        {},
        None,
        "not json",
        "[1, 2]",
        ["zz", "train"],
    ],
)
def test_anything_else_parses_to_none_never_raises(data: object) -> None:
    assert Train.parse(data) is None  # type: ignore[arg-type]


def test_loose_fields_take_a_forged_value_as_none() -> None:
    assert Pick.parse({"zz": "pick", "v": "x" * 500, "name": 5}) == Pick()
    assert Pick.parse({"zz": "pick", "v": True}) == Pick()
    assert Pick.parse({"zz": "pick", "v": 2**70}) == Pick()
    assert Pick.parse({"zz": "pick", "v": "12", "name": "a"}) == Pick(v=12, name="a")


def test_paging_reads_the_page_the_pager_added() -> None:
    turn = Turn().pack()
    assert turn == {"zz": "turn"}
    assert Turn.parse({**turn, "page": 3}) == Turn(page=3)
    assert Turn.parse({**turn, "page": 3}).page_number == 3  # type: ignore[union-attr]
    assert Turn(page=0).page_number == 1 and Turn().page_number == 1


def test_a_pack_over_255_characters_is_refused_when_built() -> None:
    class Long(Probe, action="long"):
        text: str

    assert len(json.dumps(Long(text="я" * 229).pack(), ensure_ascii=False)) == 255
    with pytest.raises(PayloadTooLong, match="VK allows 255"):
        Long(text="я" * 230).pack()
    assert issubclass(PayloadTooLong, KeyboardError)


def test_a_duplicate_declaration_is_refused() -> None:
    with pytest.raises(PayloadDeclarationError, match="already declared"):

        class Again(Payload, key="zz", action="train"): ...


@pytest.mark.parametrize("key", ["cmd", "command", "core", "mon", "Et", "1a", "a.b", "x" * 17])
def test_bad_and_reserved_keys_are_refused(key: str) -> None:
    with pytest.raises(PayloadDeclarationError):

        class Bad(Payload, key=key, action="x"): ...


def test_a_field_named_like_the_key_is_refused() -> None:
    with pytest.raises(PayloadDeclarationError, match="named like"):

        class Clash(Payload, key="zq", action="x"):
            zq: int = 0


def test_an_action_needs_a_key_and_a_base_is_no_payload() -> None:
    with pytest.raises(PayloadDeclarationError, match="without a key"):

        class Keyless(Payload, action="x"): ...

    with pytest.raises(PayloadDeclarationError):
        Probe().pack()


def test_the_classes_of_a_key_are_listed_in_declaration_order() -> None:
    declared = payload_classes("zz")
    assert declared[:3] == (Train, Pick, Turn)
    assert payload_classes("no_such_key") == ()
