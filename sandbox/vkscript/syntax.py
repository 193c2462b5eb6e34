"""The tree a VKScript program compiles to: expressions (Node) and statements (Statement)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Words with a meaning of their own: none of them names a variable.
KEYWORDS = frozenset(
    {"var", "return", "if", "else", "while", "delete", "true", "false", "null", "API", "Args"}
)
FUNCTIONS = frozenset({"parseInt", "parseDouble"})
# The methods of arrays and strings VK lists for execute.
METHODS = frozenset(
    {"push", "pop", "shift", "unshift", "slice", "splice", "indexOf", "join", "split", "substr"}
)


@dataclass(frozen=True, slots=True)
class Lit:
    value: Any


@dataclass(frozen=True, slots=True)
class Var:
    name: str


@dataclass(frozen=True, slots=True)
class Arr:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Obj:
    items: tuple[tuple[str, Node], ...]


@dataclass(frozen=True, slots=True)
class Call:
    """API.section.method(arg)."""

    method: str
    arg: Node | None


@dataclass(frozen=True, slots=True)
class Field:
    target: Node
    name: str


@dataclass(frozen=True, slots=True)
class Index:
    target: Node
    key: Node


@dataclass(frozen=True, slots=True)
class Project:
    """target@.name: that field of every element."""

    target: Node
    name: str


@dataclass(frozen=True, slots=True)
class MethodCall:
    target: Node
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Unary:
    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Ternary:
    test: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Assign:
    target: Var | Field | Index
    value: Node


Node = (
    Lit
    | Var
    | Arr
    | Obj
    | Call
    | Field
    | Index
    | Project
    | MethodCall
    | Function
    | Unary
    | Binary
    | Ternary
    | Assign
)


@dataclass(frozen=True, slots=True)
class Declare:
    names: tuple[tuple[str, Node | None], ...]


@dataclass(frozen=True, slots=True)
class Return:
    node: Node | None


@dataclass(frozen=True, slots=True)
class Expr:
    node: Node


@dataclass(frozen=True, slots=True)
class If:
    test: Node
    then: tuple[Statement, ...]
    otherwise: tuple[Statement, ...]


@dataclass(frozen=True, slots=True)
class While:
    test: Node
    body: tuple[Statement, ...]


@dataclass(frozen=True, slots=True)
class Delete:
    target: Field | Index


Statement = Declare | Return | Expr | If | While | Delete
