"""What went wrong in an author's template, said in Russian: jinja2's TemplateSyntaxError reads
«Encountered unknown tag 'для'.», which a counsellor cannot act on. Jinja has no error codes,
so the kind is told from the message's fixed English phrases (stable across jinja2 3.x); the
original goes to the log only. ``explain`` returns the values template_error.j2 renders."""

from __future__ import annotations

import re
from typing import Any

import jinja2

# Block tags an author may use ({% if %} only: see render._ALLOWED_NODES), and their ends.
_END_OF = {"if": "endif"}
_TAG = re.compile(r"\{%-?\s*(\w+)")
_UNKNOWN_TAG = re.compile(r"Encountered unknown tag '([^']+)'")
_INNERMOST = re.compile(r"innermost block that needs to be closed is '([^']+)'")
_UNEXPECTED_CHAR = re.compile(r"unexpected char '(.+)' at \d+")
_GOT = re.compile(r"expected token '[^']+', got '([^']+)'")
# How jinja describes tokens that are not a word (lexer.describe_token: a name is its value).
_TOKEN_NAMES = frozenset({"string", "integer", "float"})
_CLOSERS = ("endif", "else", "elif", "endfor", "endblock", "endmacro", "endraw")


def _opened_line(source: str, block: str) -> int | None:
    """The line where the last still open ``block`` (``if``) begins: where to add its end."""
    stack: list[int] = []
    end = _END_OF.get(block, f"end{block}")
    for match in _TAG.finditer(source):
        name = match[1]
        if name == block:
            stack.append(source.count("\n", 0, match.start()) + 1)
        elif name == end and stack:
            stack.pop()
    return stack[-1] if stack else None


def explain(exc: jinja2.TemplateSyntaxError, source: str) -> dict[str, Any]:
    """``kind`` and the details of a syntax error for template_error.j2 (``line`` always)."""
    message = exc.message or ""
    line = exc.lineno or 1
    innermost = _INNERMOST.search(message)
    block = innermost[1] if innermost else ""
    unknown = _UNKNOWN_TAG.search(message)
    if unknown:
        tag = unknown[1]
        if block and tag in _CLOSERS:
            # {% endfor %} or a second {% else %} where {% endif %} was expected.
            expected = _END_OF.get(block, f"end{block}")
            return {"kind": "wrong_end", "line": line, "tag": tag, "expected": expected}
        if tag in _CLOSERS:
            return {"kind": "stray_end", "line": line, "tag": tag}
        return {"kind": "unknown_tag", "line": line, "tag": tag}
    if message.startswith("Unexpected end of template") and block:
        opened = _opened_line(source, block)
        expected = _END_OF.get(block, f"end{block}")
        return {
            "kind": "unclosed_block",
            "line": opened or line,
            "tag": block,
            "expected": expected,
        }
    if "expected 'end of print statement'" in message and "end of template" in message:
        return {"kind": "unclosed_field", "line": line}
    if "expected 'end of statement block'" in message and "end of template" in message:
        return {"kind": "unclosed_tag", "line": line}
    if message.startswith("Expected an expression, got 'end of print statement'"):
        return {"kind": "empty_field", "line": line}
    if message.startswith("Expected an expression, got 'end of statement block'") or (
        message.startswith("unexpected 'end of statement block'")
    ):
        return {"kind": "empty_condition", "line": line}
    if message == "tag name expected":
        return {"kind": "empty_tag", "line": line}
    if message.startswith("unexpected '}'") or message.startswith("unexpected '{'"):
        return {"kind": "braces", "line": line}
    char = _UNEXPECTED_CHAR.search(message)
    if char:
        return {"kind": "bad_char", "line": line, "char": char[1]}
    got = _GOT.search(message)
    if got and (got[1].startswith(("end of", "begin of")) or got[1] in _TOKEN_NAMES):
        # jinja names the token it found («end of print statement»): something is missing.
        return {"kind": "incomplete", "line": line}
    if got:
        return {"kind": "extra_word", "line": line, "word": got[1]}
    if message == "unexpected 'end of template'":
        return {"kind": "cut_off", "line": line}
    if message.startswith("Missing end of comment tag"):
        return {"kind": "unclosed_comment", "line": line}
    if message.startswith("Missing end of raw directive"):
        return {"kind": "unclosed_raw", "line": line}
    return {"kind": "syntax", "line": line}
