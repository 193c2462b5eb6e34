"""Evaluating a bank's ``verify`` expression (``"40 * 0.85 * 25"``) without ``eval`` on raw text.

Only numbers, + - * / **, unary minus, parentheses and a few ``math`` functions are allowed; the
expression is walked as an AST, so a bank file can never run code.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable

MAX_EXPRESSION = 500

_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[float], float]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
_FUNCTIONS: dict[str, Callable[..., float]] = {
    "sqrt": math.sqrt,
    "log": math.log,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "comb": math.comb,
    "factorial": math.factorial,
}
_CONSTANTS = {"pi": math.pi}


class ExpressionError(ValueError):
    pass


# What an author wrote that is not arithmetic, by the syntax node's name.
_NOT_ALLOWED = {
    "Call": "вызов функции",
    "Name": "имя (переменная)",
    "Attribute": "обращение через точку",
    "Subscript": "индекс в квадратных скобках",
    "List": "список",
    "Tuple": "перечисление через запятую",
    "Compare": "сравнение",
    "BoolOp": "and / or",
    "Lambda": "lambda",
}


def _math_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.attr if node.value.id == "math" else None
    return None


def _eval(node: ast.AST) -> float:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ExpressionError(f"{node.value!r} — не число")
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 100:
            raise ExpressionError("слишком большая степень")
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand))
    if isinstance(node, ast.Call) and not node.keywords:
        name = _math_name(node.func)
        if name in _FUNCTIONS:
            args = [_eval(arg) for arg in node.args]
            if name in ("comb", "factorial"):
                if not all(float(a).is_integer() and 0 <= a <= 1000 for a in args):
                    raise ExpressionError(f"math.{name} принимает целые числа от 0 до 1000")
                return float(_FUNCTIONS[name](*(int(a) for a in args)))
            return float(_FUNCTIONS[name](*args))
    name = _math_name(node)
    if name in _CONSTANTS:
        return _CONSTANTS[name]
    what = _NOT_ALLOWED.get(type(node).__name__, "недопустимая конструкция")
    raise ExpressionError(
        f"в выражении verify можно только числа, + - * /, **, скобки и функции math, а здесь {what}"
    )


def evaluate(expression: str) -> float:
    """The value of an arithmetic expression; ExpressionError names what is not allowed."""
    if len(expression) > MAX_EXPRESSION:
        raise ExpressionError("выражение слишком длинное")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(
            f"выражение не разобрать (позиция {exc.offset or 1}): проверьте скобки и знаки"
        ) from None
    try:
        value = _eval(tree.body)
    except (ArithmeticError, ValueError, TypeError) as exc:
        if isinstance(exc, ExpressionError):
            raise
        reason = "деление на ноль" if isinstance(exc, ZeroDivisionError) else "ошибка вычисления"
        raise ExpressionError(f"значение не вычислить: {reason}") from None
    if not math.isfinite(value):
        raise ExpressionError("значение не конечное число")
    return float(value)
