"""The part of VKScript that bots use in execute: var, return, literals and API.section.method(...).

Code is parsed completely before anything runs (VK compiles first, error 12). JSON-shaped literals
are decoded by the json module in one step, so 25 calls with 100 recipients each parse in well
under a millisecond.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .errors import VkError

MAX_CALLS = 25

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<comment>//[^\n]*|/\*.*?\*/)
      | (?P<name>[A-Za-z_$][\w$]*)
      | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<punct>[\[\]{}(),:;.=])
    )""",
    re.S | re.X,
)
_SPACE = re.compile(r"\s*")
_JSON = json.JSONDecoder()


@dataclass(frozen=True, slots=True)
class Lit:
    value: Any


@dataclass(frozen=True, slots=True)
class Call:
    method: str
    arg: Node | None


@dataclass(frozen=True, slots=True)
class Arr:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Obj:
    items: tuple[tuple[str, Node], ...]


@dataclass(frozen=True, slots=True)
class Var:
    name: str


Node = Lit | Call | Arr | Obj | Var


@dataclass(frozen=True, slots=True)
class Statement:
    kind: str  # "var" | "return" | "expr"
    node: Node
    name: str = ""


def _compile_error(detail: str) -> VkError:
    return VkError(12, detail)


class _Parser:
    def __init__(self, code: str) -> None:
        self.code = code
        self.pos = 0

    def peek(self) -> tuple[str, str]:
        while True:
            match = _TOKEN.match(self.code, self.pos)
            if match is None:
                rest = self.code[self.pos :].strip()
                if not rest:
                    return "end", ""
                raise _compile_error(f"unexpected symbol at {rest[:20]!r}")
            kind = match.lastgroup or "end"
            if kind == "comment":
                self.pos = match.end()
                continue
            return kind, match.group(kind)

    def take(self) -> tuple[str, str]:
        kind, text = self.peek()
        if kind != "end":
            match = _TOKEN.match(self.code, self.pos)
            assert match is not None
            self.pos = match.end()
        return kind, text

    def expect(self, text: str) -> None:
        kind, got = self.take()
        if got != text or kind not in ("punct", "name"):
            raise _compile_error(f"expected {text!r}, got {got or 'end of code'!r}")

    def program(self) -> list[Statement]:
        statements: list[Statement] = []
        while self.peek()[0] != "end":
            kind, text = self.peek()
            if kind == "punct" and text == ";":
                self.take()
                continue
            if kind == "name" and text == "var":
                self.take()
                name_kind, name = self.take()
                if name_kind != "name":
                    raise _compile_error("variable name expected")
                self.expect("=")
                statements.append(Statement("var", self.expr(), name))
            elif kind == "name" and text == "return":
                self.take()
                statements.append(Statement("return", self.expr()))
            else:
                statements.append(Statement("expr", self.expr()))
            if self.peek() == ("punct", ";"):
                self.take()
            elif self.peek()[0] != "end" and not self._newline_ahead():
                raise _compile_error("';' expected between statements")
        return statements

    def _newline_ahead(self) -> bool:
        """JavaScript's automatic semicolon: a line break also ends a statement."""
        space = _SPACE.match(self.code, self.pos)
        return space is not None and "\n" in space.group(0)

    def _json_literal(self) -> Node | None:
        start = _SPACE.match(self.code, self.pos)
        at = start.end() if start else self.pos
        try:
            value, end = _JSON.raw_decode(self.code, at)
        except ValueError:
            return None
        self.pos = end
        return Lit(value)

    def expr(self) -> Node:
        kind, text = self.peek()
        if kind == "punct" and text in "[{":
            literal = self._json_literal()
            if literal is not None:
                return literal
            return self.array() if text == "[" else self.obj()
        kind, text = self.take()
        if kind == "number":
            return Lit(json.loads(text))
        if kind == "string":
            return Lit(_string(text))
        if kind == "name":
            if text in ("true", "false", "null"):
                return Lit({"true": True, "false": False, "null": None}[text])
            if text == "API":
                return self.call()
            return Var(text)
        raise _compile_error(f"unexpected {text or 'end of code'!r}")

    def call(self) -> Call:
        parts: list[str] = []
        while self.peek() == ("punct", "."):
            self.take()
            kind, name = self.take()
            if kind != "name":
                raise _compile_error("method name expected after API.")
            parts.append(name)
        if len(parts) != 2:
            raise _compile_error("API.section.method(...) expected")
        self.expect("(")
        arg = None if self.peek() == ("punct", ")") else self.expr()
        self.expect(")")
        return Call(".".join(parts), arg)

    def array(self) -> Arr:
        self.expect("[")
        items: list[Node] = []
        while self.peek() != ("punct", "]"):
            items.append(self.expr())
            if self.peek() == ("punct", ","):
                self.take()
            elif self.peek() != ("punct", "]"):
                raise _compile_error("',' or ']' expected")
        self.take()
        return Arr(tuple(items))

    def obj(self) -> Obj:
        self.expect("{")
        items: list[tuple[str, Node]] = []
        while self.peek() != ("punct", "}"):
            kind, key = self.take()
            if kind == "string":
                key = _string(key)
            elif kind not in ("name", "number"):
                raise _compile_error("object key expected")
            self.expect(":")
            items.append((key, self.expr()))
            if self.peek() == ("punct", ","):
                self.take()
            elif self.peek() != ("punct", "}"):
                raise _compile_error("',' or '}' expected")
        self.take()
        return Obj(tuple(items))


def _string(token: str) -> str:
    if token.startswith('"'):
        try:
            return str(json.loads(token))
        except ValueError:
            pass
    try:
        return str(ast.literal_eval(token))
    except (ValueError, SyntaxError):
        raise _compile_error(f"bad string literal {token[:20]}") from None


def compile_code(code: str) -> list[Statement]:
    return _Parser(code).program()


Invoke = Callable[[str, dict[str, Any]], Awaitable[Any]]


@dataclass(slots=True)
class ExecuteResult:
    response: Any
    errors: list[dict[str, Any]]


async def run(statements: list[Statement], invoke: Invoke) -> ExecuteResult:
    """Evaluate; a failed call yields false and an execute_errors entry, as on VK."""
    variables: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    calls = 0

    async def evaluate(node: Node) -> Any:
        nonlocal calls
        if isinstance(node, Lit):
            return node.value
        if isinstance(node, Var):
            if node.name not in variables:
                raise VkError(13, f"variable {node.name!r} is undefined")
            return variables[node.name]
        if isinstance(node, Arr):
            return [await evaluate(item) for item in node.items]
        if isinstance(node, Obj):
            return {key: await evaluate(value) for key, value in node.items}
        calls += 1
        if calls > MAX_CALLS:
            raise VkError(13, "Too many API calls")
        args = await evaluate(node.arg) if node.arg is not None else {}
        if not isinstance(args, dict):
            raise VkError(13, f"{node.method} expects an object of parameters")
        try:
            return await invoke(node.method, args)
        except VkError as error:
            errors.append(
                {"method": node.method, "error_code": error.code, "error_msg": error.message}
            )
            return False

    for statement in statements:
        value = await evaluate(statement.node)
        if statement.kind == "var":
            variables[statement.name] = value
        elif statement.kind == "return":
            return ExecuteResult(value, errors)
    return ExecuteResult(None, errors)
