"""VKScript's values and what its operators, fields, indexes and methods do with them.

Values are JSON's: null, booleans, numbers, strings, arrays and objects. The operators follow
JavaScript (+ joins strings, numeric strings count as numbers in arithmetic and comparisons,
since the Args of execute are strings) with VKScript's own rule that + between two arrays joins
them. A missing field or element is null. What has no sensible meaning (a field of null, an
object joined to a string, division by zero) is VK's runtime error 13.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..errors import VkError

NUMERIC = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# VK's integers are 64-bit: a larger result becomes a float, and a float beyond the double range
# (or NaN) is a runtime error, never JSON that cannot be written.
MAX_INT = 2**63
# The longest string or array code may build: a string doubled in a loop must not take the
# sandbox's memory before the operation limit ends the loop.
MAX_LENGTH = 1_000_000


def number(text: str) -> int | float:
    """A number written in decimal ("12", "-3.5", "1e3"); ValueError for anything else, such as
    "Infinity", which float() would take."""
    if NUMERIC.fullmatch(text) is None:
        raise ValueError(text)
    if text.lstrip("+-").isdigit():
        return int(text)
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return normal(value)


def checked(value: Any) -> Any:
    """A computed value within VK's bounds (MAX_INT, MAX_LENGTH), or runtime error 13."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if -MAX_INT <= value < MAX_INT:
            return value
        try:
            value = float(value)
        except OverflowError:
            raise runtime_error("number out of range") from None
    if isinstance(value, float):
        if not math.isfinite(value):
            raise runtime_error("number out of range")
        return normal(value)
    if isinstance(value, (str, list)) and len(value) > MAX_LENGTH:
        raise runtime_error("value too large")
    return value


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def normal(value: float) -> int | float:
    """A whole float as an int, so 6 / 3 answers 2 in JSON, as VK does, not 2.0."""
    if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def truthy(value: Any) -> bool:
    if value is None or value is False:
        return False
    if is_number(value):
        return bool(value)
    if isinstance(value, str):
        return value != ""
    return True


def as_text(value: Any) -> str:
    """A value joined to a string by +, as JavaScript writes it."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return joined(value, ",")
    raise runtime_error("an object cannot be joined to a string")


def joined(items: list[Any], separator: str) -> str:
    """Array.join: null is empty; refused once the result would pass MAX_LENGTH."""
    parts: list[str] = []
    size = 0
    for item in items:
        part = "" if item is None else as_text(item)
        size += len(part) + len(separator)
        if size > MAX_LENGTH + len(separator):
            raise runtime_error("value too large")
        parts.append(part)
    return separator.join(parts)


def runtime_error(detail: str) -> VkError:
    return VkError(13, detail)


def numeric(value: Any, op: str) -> int | float:
    """A number for arithmetic and comparison; numeric strings count (Args are strings)."""
    if isinstance(value, float):
        return value
    if isinstance(value, int):  # a boolean counts as 0 or 1
        return int(value)
        return int(value)
    if isinstance(value, str):
        try:
            return number(value.strip())
        except ValueError:
            pass
    raise runtime_error(f"invalid operand type for {op}")


def arith(op: str, left: Any, right: Any) -> Any:
    if op == "+":
        if isinstance(left, list) and isinstance(right, list):
            return checked(left + right)  # VKScript joins arrays with +
        if isinstance(left, str) or isinstance(right, str):
            return checked(as_text(left) + as_text(right))
        if isinstance(left, (list, dict)) or isinstance(right, (list, dict)):
            raise runtime_error("invalid operand type for +")
    a, b = numeric(left, op), numeric(right, op)
    if op == "+":
        result = a + b
    elif op == "-":
        result = a - b
    elif op == "*":
        result = a * b
    elif b == 0:
        raise runtime_error("division by zero")
    elif op == "/":
        result = a / b
    elif isinstance(a, int) and isinstance(b, int):
        # % keeps the dividend's sign, as in JavaScript (Python's follows the divisor).
        result = abs(a) % abs(b) * (-1 if a < 0 else 1)
    else:
        result = math.fmod(a, b)
    return checked(result)


def equal(left: Any, right: Any) -> bool:
    if (is_number(left) and isinstance(right, str)) or (isinstance(left, str) and is_number(right)):
        try:
            return numeric(left, "==") == numeric(right, "==")
        except VkError:
            return False
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right if isinstance(left, bool) and isinstance(right, bool) else False
    return bool(left == right)


def compare(op: str, left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        a: Any = left
        b: Any = right
    else:
        a, b = numeric(left, op), numeric(right, op)
    if op == "<":
        return bool(a < b)
    if op == ">":
        return bool(a > b)
    if op == "<=":
        return bool(a <= b)
    return bool(a >= b)


def position(key: Any, size: int) -> int | None:
    """An element's position for a[key], or None when there is none."""
    if isinstance(key, bool):
        return None
    if isinstance(key, str):
        try:
            key = int(key)
        except ValueError:
            return None
    if isinstance(key, float) and key.is_integer():
        key = int(key)
    if isinstance(key, int) and 0 <= key < size:
        return key
    return None


def get(target: Any, key: Any) -> Any:
    """target[key] or target.key; a missing field or element is null, as on VK."""
    if isinstance(target, dict):
        return target.get(key if isinstance(key, str) else as_text(key))
    if isinstance(target, list):
        if key == "length":
            return len(target)
        at = position(key, len(target))
        return None if at is None else target[at]
    if isinstance(target, str):
        if key == "length":
            return len(target)
        at = position(key, len(target))
        return None if at is None else target[at]
    raise runtime_error(f"cannot read '{key_text(key)}' of {type_name(target)}")


def key_text(key: Any) -> str:
    try:
        return as_text(key)
    except VkError:
        return "?"


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if is_number(value):
        return "a number"
    return type(value).__name__


def put(target: Any, key: Any, value: Any) -> None:
    if isinstance(target, dict):
        target[key if isinstance(key, str) else as_text(key)] = value
        return
    if isinstance(target, list):
        at = position(key, len(target) + 1)
        if at is None:
            raise runtime_error(f"index {key_text(key)} is out of the array")
        if at == len(target):
            target.append(value)
        else:
            target[at] = value
        return
    raise runtime_error(f"cannot set '{key_text(key)}' of {type_name(target)}")


def _integer(value: Any, what: str) -> int:
    number = numeric(value, what)
    return int(number)


def call_method(target: Any, name: str, args: list[Any]) -> Any:
    """The array and string methods VK lists for execute."""
    if isinstance(target, list):
        return _array_method(target, name, args)
    if isinstance(target, str):
        return _string_method(target, name, args)
    raise runtime_error(f"{name} is not a method of {type_name(target)}")


def _array_method(items: list[Any], name: str, args: list[Any]) -> Any:
    if name == "push":
        _room(items, len(args))
        items.extend(args)
        return len(items)
    if name == "pop":
        return items.pop() if items else None
    if name == "shift":
        return items.pop(0) if items else None
    if name == "unshift":
        _room(items, len(args))
        items[:0] = args
        return len(items)
    if name == "slice":
        start, stop = _slice_bounds(len(items), args)
        return items[start:stop]
    if name == "splice":
        start = _slice_start(len(items), args[0] if args else 0)
        count = len(items) - start if len(args) < 2 else max(0, _integer(args[1], name))
        removed = items[start : start + count]
        _room(items, len(args[2:]) - len(removed))
        items[start : start + count] = args[2:]
        return removed
    if name == "indexOf":
        wanted = args[0] if args else None
        return next((n for n, item in enumerate(items) if equal(item, wanted)), -1)
    if name == "join":
        return joined(items, as_text(args[0]) if args else ",")
    raise runtime_error(f"{name} is not a method of an array")


def _room(items: list[Any], more: int) -> None:
    if len(items) + more > MAX_LENGTH:
        raise runtime_error("value too large")


def _string_method(text: str, name: str, args: list[Any]) -> Any:
    if name == "split":
        if not args or args[0] is None:
            return [text]
        separator = as_text(args[0])
        return list(text) if separator == "" else text.split(separator)
    if name == "substr":
        start = _slice_start(len(text), args[0] if args else 0)
        if len(args) < 2:
            return text[start:]
        return text[start : start + max(0, _integer(args[1], name))]
    if name == "slice":
        start, stop = _slice_bounds(len(text), args)
        return text[start:stop]
    if name == "indexOf":
        return text.find(as_text(args[0])) if args else -1
    raise runtime_error(f"{name} is not a method of a string")


def _slice_start(size: int, value: Any) -> int:
    start = _integer(value, "slice")
    return max(0, size + start) if start < 0 else min(start, size)


def _slice_bounds(size: int, args: list[Any]) -> tuple[int, int]:
    start = _slice_start(size, args[0]) if args else 0
    stop = size if len(args) < 2 else _slice_start(size, args[1])
    return start, max(start, stop)


def parse_int(value: Any) -> int:
    """The leading integer of a string (0 when there is none), or a number's whole part."""
    if is_number(value):
        return int(value)
    match = re.match(r"\s*([+-]?\d+)", as_text(value) if value is not None else "")
    if match is None:
        return 0
    digits = match.group(1)
    # Past 19 digits it is beyond 64 bits anyway (and Python refuses int() of 4300 digits).
    return checked(int(digits) if len(digits) <= 19 else float(digits))  # type: ignore[no-any-return]


def parse_double(value: Any) -> int | float:
    if is_number(value):
        return normal(float(value))
    match = re.match(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)", as_text(value or ""))
    return checked(float(match.group(1))) if match else 0
