"""VKScript, the language of VK's execute method: tokenizer and parser (parser.py), the tree
(syntax.py), values and operators (values.py), and the interpreter with VK's limits (machine.py).

It runs what VK's documentation of execute lists: var, return, if/else, while, arithmetic
(+ - * / %), comparisons, logical operators, the ternary operator, concatenation with + (and +
between arrays, which joins them), array and object literals, indexing (a[0], o["k"]), fields
(o.k, a.length), the @. projection (API.users.get({...})@.id), assignment to variables, fields
and elements, delete, parseInt and parseDouble, the methods push, pop, shift, unshift, slice,
splice, indexOf, join, split and substr, the execute call's own parameters as Args.name, and up
to 25 API.section.method({...}) calls. Anything else does not compile: what the sandbox accepts,
VK accepts too.

Errors are VK's: 12 for code that does not compile (nothing has run by then), 13 with a detail
for a failure while running, a 26th API call, or code that runs too long. A failed API call is
not a failure of the code: it gives false and an execute_errors entry.
"""

from .machine import MAX_CALLS, MAX_OPERATIONS, ExecuteResult, Invoke, run
from .parser import compile_code
from .syntax import Call, Lit, Node, Statement

__all__ = [
    "MAX_CALLS",
    "MAX_OPERATIONS",
    "Call",
    "ExecuteResult",
    "Invoke",
    "Lit",
    "Node",
    "Statement",
    "compile_code",
    "run",
]
