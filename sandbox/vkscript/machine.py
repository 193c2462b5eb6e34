"""Runs a compiled VKScript program: statements, API calls and VK's limits on both."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import VkError
from .syntax import (
    Arr,
    Assign,
    Binary,
    Call,
    Declare,
    Expr,
    Field,
    Function,
    If,
    Index,
    Lit,
    MethodCall,
    Node,
    Obj,
    Project,
    Return,
    Statement,
    Ternary,
    Unary,
    Var,
    While,
)
from .values import (
    arith,
    as_text,
    call_method,
    checked,
    compare,
    equal,
    get,
    key_text,
    numeric,
    parse_double,
    parse_int,
    position,
    put,
    runtime_error,
    truthy,
    type_name,
)

MAX_CALLS = 25
# VK stops code that runs too long. An operation here is a statement, an operator, a call or an
# access evaluated; a loop summing 0..n costs about a dozen per round, so this allows some
# thousands of rounds, which is more than any execute that stays within 25 calls needs.
MAX_OPERATIONS = 100_000

Invoke = Callable[[str, dict[str, Any]], Awaitable[Any]]


@dataclass(slots=True)
class ExecuteResult:
    response: Any
    errors: list[dict[str, Any]]


class _Returned(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


class _Machine:
    def __init__(
        self, invoke: Invoke, args: Mapping[str, str], max_operations: int, max_calls: int
    ) -> None:
        self.invoke = invoke
        self.variables: dict[str, Any] = {"Args": dict(args)}
        self.errors: list[dict[str, Any]] = []
        self.calls = 0
        self.operations = 0
        self.max_operations = max_operations
        self.max_calls = max_calls

    def tick(self) -> None:
        self.operations += 1
        if self.operations > self.max_operations:
            raise runtime_error("Too many operations")

    async def block(self, statements: tuple[Statement, ...]) -> None:
        for statement in statements:
            await self.statement(statement)

    async def statement(self, statement: Statement) -> None:
        self.tick()
        if isinstance(statement, Expr):
            await self.value(statement.node)
        elif isinstance(statement, Declare):
            for name, node in statement.names:
                self.variables[name] = None if node is None else await self.value(node)
        elif isinstance(statement, Return):
            raise _Returned(None if statement.node is None else await self.value(statement.node))
        elif isinstance(statement, If):
            chosen = statement.then if truthy(await self.value(statement.test)) else None
            await self.block(statement.otherwise if chosen is None else chosen)
        elif isinstance(statement, While):
            while truthy(await self.value(statement.test)):
                self.tick()
                await self.block(statement.body)
        else:
            await self.delete(statement.target)

    async def value(self, node: Node) -> Any:
        if isinstance(node, Lit):
            return node.value
        if isinstance(node, Var):
            # Declared (the compiler made sure) but perhaps in a branch not taken: null.
            return self.variables.get(node.name)
        self.tick()
        if isinstance(node, Binary):
            return await self.binary(node)
        if isinstance(node, Field):
            return get(await self.value(node.target), node.name)
        if isinstance(node, Index):
            target = await self.value(node.target)
            return get(target, await self.value(node.key))
        if isinstance(node, Call):
            return await self.call(node)
        if isinstance(node, Arr):
            return [await self.value(item) for item in node.items]
        if isinstance(node, Obj):
            return {key: await self.value(item) for key, item in node.items}
        if isinstance(node, Project):
            return self.project(await self.value(node.target), node.name)
        if isinstance(node, MethodCall):
            target = await self.value(node.target)
            return call_method(target, node.name, [await self.value(a) for a in node.args])
        if isinstance(node, Function):
            arg = await self.value(node.args[0]) if node.args else None
            return parse_int(arg) if node.name == "parseInt" else parse_double(arg)
        if isinstance(node, Unary):
            operand = await self.value(node.operand)
            if node.op == "!":
                return not truthy(operand)
            number = numeric(operand, node.op)
            return checked(-number) if node.op == "-" else number
        if isinstance(node, Ternary):
            chosen = node.then if truthy(await self.value(node.test)) else node.otherwise
            return await self.value(chosen)
        return await self.assign(node)

    async def binary(self, node: Binary) -> Any:
        left = await self.value(node.left)
        op = node.op
        if op == "&&":
            return await self.value(node.right) if truthy(left) else left
        if op == "||":
            return left if truthy(left) else await self.value(node.right)
        right = await self.value(node.right)
        if op == "==":
            return equal(left, right)
        if op == "!=":
            return not equal(left, right)
        if op in ("<", ">", "<=", ">="):
            return compare(op, left, right)
        return arith(op, left, right)

    def project(self, target: Any, name: str) -> list[Any]:
        if not isinstance(target, list):
            raise runtime_error(f"@.{name} needs an array, got {type_name(target)}")
        return [item.get(name) if isinstance(item, dict) else None for item in target]

    async def call(self, node: Call) -> Any:
        self.calls += 1
        if self.calls > self.max_calls:
            raise runtime_error("Too many API calls")
        args = await self.value(node.arg) if node.arg is not None else {}
        if not isinstance(args, dict):
            raise runtime_error(f"{node.method} expects an object of parameters")
        try:
            return await self.invoke(node.method, args)
        except VkError as error:
            self.errors.append(
                {"method": node.method, "error_code": error.code, "error_msg": error.message}
            )
            return False

    async def assign(self, node: Assign) -> Any:
        value = await self.value(node.value)
        target = node.target
        if isinstance(target, Var):
            self.variables[target.name] = value
        elif isinstance(target, Field):
            put(await self.value(target.target), target.name, value)
        else:
            container = await self.value(target.target)
            put(container, await self.value(target.key), value)
        return value

    async def delete(self, target: Field | Index) -> None:
        container = await self.value(target.target)
        key = target.name if isinstance(target, Field) else await self.value(target.key)
        if isinstance(container, dict):
            container.pop(key if isinstance(key, str) else as_text(key), None)
        elif isinstance(container, list):
            at = position(key, len(container))
            if at is not None:
                container[at] = None  # as JavaScript's delete: the element becomes empty
        else:
            raise runtime_error(f"cannot delete '{key_text(key)}' of {type_name(container)}")


async def run(
    program: tuple[Statement, ...] | list[Statement],
    invoke: Invoke,
    args: Mapping[str, str] | None = None,
    *,
    max_operations: int = MAX_OPERATIONS,
    max_calls: int = MAX_CALLS,
) -> ExecuteResult:
    """Run compiled code; `args` are the execute call's own parameters (Args.name).

    A runtime failure raises VkError 13; a failed API call yields false and an execute_errors
    entry, as on VK. Code that ends without return answers null.
    """
    machine = _Machine(invoke, args or {}, max_operations, max_calls)
    try:
        await machine.block(tuple(program))
    except _Returned as returned:
        return ExecuteResult(returned.value, machine.errors)
    except RecursionError:
        raise runtime_error("expression nested too deeply") from None
    return ExecuteResult(None, machine.errors)
