"""VKScript as execute runs it: each construct VK lists, its errors 12 and 13, and its limits."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.errors import VkError
from sandbox.records import Community
from sandbox.vkscript import MAX_CALLS, compile_code, run

from .conftest import Control, Vk


class FakeApi:
    """What the code's API calls reach: users.get answers profiles, fail.me fails; all logged."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def __call__(self, method: str, args: dict[str, Any]) -> Any:
        self.calls.append((method, args))
        if method == "users.get":
            raw = args.get("user_ids", "1")
            ids = raw if isinstance(raw, list) else str(raw).split(",")
            return [{"id": int(i), "first_name": f"Имя{i}"} for i in ids]
        if method == "fail.me":
            raise VkError(100, "x is invalid")
        return 1


async def execute(code: str, args: dict[str, str] | None = None, **limits: int) -> Any:
    result = await run(compile_code(code), FakeApi(), args or {}, **limits)
    assert result.errors == []
    return result.response


async def error_of(code: str, args: dict[str, str] | None = None, **limits: int) -> VkError:
    with pytest.raises(VkError) as raised:
        await run(compile_code(code), FakeApi(), args or {}, **limits)
    return raised.value


RUNTIME_ERROR = "Runtime error occurred during code invocation: "


async def runtime_error(code: str, args: dict[str, str] | None = None, **limits: int) -> str:
    """The detail of the error 13 the code must end with (VK: "<RUNTIME_ERROR><detail>")."""
    error = await error_of(code, args, **limits)
    assert error.code == 13
    assert error.message.startswith(RUNTIME_ERROR), error.message
    return error.message.removeprefix(RUNTIME_ERROR)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("return 1 + 2 * 3 - 8 / 4 % 3;", 5),
        ("return (1 + 2) * 3;", 9),
        ("return 7 / 2;", 3.5),
        ("return 6 / 3;", 2),  # a whole quotient is an integer in the JSON, not 2.0
        ("return -7 % 3;", -1),  # the dividend's sign, as in JavaScript
        ("return 0.5 + 0.25;", 0.75),
        ('return "a" + 1 + 2;', "a12"),
        ('return 1 + 2 + "a";', "3a"),
        ('return "n=" + true + null;', "n=truenull"),
        ("return [1] + [2, 3];", [1, 2, 3]),  # + joins arrays in VKScript
        ('return "5" * 2 - "1";', 9),  # numeric strings count in arithmetic
        (
            "return [1 < 2, 2 <= 2, 3 > 4, 4 >= 5, 1 == 1, 1 != 1];",
            [True, True, False, False, True, False],
        ),
        ('return ["b" > "a", 10 > "9", "1" == 1];', [True, True, True]),
        (
            'return [!0, !"", ![], 0 || "x", 1 && 2, null || false];',
            [True, True, False, "x", 2, False],
        ),
        ('return true ? "да" : "нет";', "да"),
        ("return -(2 + 3);", -5),
    ],
)
async def test_operators(code: str, expected: Any) -> None:
    assert await execute(code) == expected


async def test_arithmetic_and_concatenation_with_call_results() -> None:
    code = (
        'var a = API.users.get({"user_ids": "3,4"});'
        'return [a[0].id + a[1].id * 10, a[1].first_name + "!", a.length + 1];'
    )
    assert await execute(code) == [43, "Имя4!", 3]


async def test_args_are_the_calls_own_parameters() -> None:
    code = 'var a = API.users.get({"user_ids": Args.ids}); return [a@.id, Args.missing];'
    assert await execute(code, {"ids": "7,8"}) == [[7, 8], None]
    assert await execute("return Args;", {"n": "5"}) == {"n": "5"}


async def test_if_else_chains() -> None:
    code = (
        'if (Args.q == "1") { return "один"; } else if (Args.q == "2") return "два";'
        ' else { return "много"; }'
    )
    assert [await execute(code, {"q": q}) for q in ("1", "2", "9")] == ["один", "два", "много"]
    # Without else, the code goes on.
    assert await execute("var r = 1; if (r > 5) { r = 0; } return r;") == 1


async def test_while_loops() -> None:
    code = "var s = 0; var i = 0; while (i < Args.n) { s = s + i; i = i + 1; } return s;"
    assert await execute(code, {"n": "10"}) == 45
    assert await execute(code, {"n": "0"}) == 0
    # The real-world shape: calls in a loop, results pushed, `};` after the block.
    collect = (
        "var out = []; var i = 0;"
        'while (i < 3) { out.push(API.users.get({"user_ids": i})[0].id); i = i + 1; };'
        "return out;"
    )
    assert await execute(collect) == [0, 1, 2]


async def test_indexing_length_and_fields() -> None:
    code = (
        'var a = [10, 20, 30]; var o = {"k": {"n": [1, 2]}, 5: "пять"};'
        'return [a[0], a[2], a[3], a["1"], a.length, o.k.n[1], o["k"].n.length, o[5], o.none,'
        ' "строка".length, "abc"[1]];'
    )
    assert await execute(code) == [10, 30, None, 20, 3, 2, 2, "пять", None, 6, "b"]


async def test_push_and_the_other_methods() -> None:
    code = (
        "var a = [3, 1];"
        "var n = a.push(4, 5);"
        "return [n, a, a.pop(), a.shift(), a.unshift(0), a, a.slice(1), a.slice(-1),"
        ' a.indexOf(4), a.indexOf(99), a.join("-"), a.splice(0, 1, 7, 8), a];'
    )
    final = [7, 8, 1, 4]  # the same array everywhere: as it is when returned
    assert await execute(code) == [
        4,
        final,
        5,
        3,
        3,
        final,
        [1, 4],
        [4],
        2,
        -1,
        "0-1-4",
        [0],
        final,
    ]
    strings = (
        'return ["a,b,c".split(","), "привет".substr(1, 3), "abc".indexOf("c"),'
        ' "abcd".slice(1, 3)];'
    )
    assert await execute(strings) == [["a", "b", "c"], "рив", 2, "bc"]


async def test_projection_of_call_results() -> None:
    assert await execute('return API.users.get({"user_ids": "1,2,3"})@.id;') == [1, 2, 3]
    code = 'var a = API.users.get({"user_ids": [5, 6]}); return a@.first_name;'
    assert await execute(code) == ["Имя5", "Имя6"]
    # Elements without the field give null; the projection is an array like any other.
    assert await execute('return [{"id": 1}, 2, {"x": 3}]@.id;') == [1, None, None]
    assert await execute('return API.users.get({"user_ids": "1,2"})@.id.length;') == 2


async def test_assignment_to_fields_and_elements_and_delete() -> None:
    code = (
        'var o = {"a": 1, "b": 2}; var l = [1, 2];'
        'o.c = 3; o["d"] = [4]; o.d[1] = 5; l[0] = "x"; l[2] = "y"; delete o.a; delete o["b"];'
        "return [o, l];"
    )
    assert await execute(code) == [{"c": 3, "d": [4, 5]}, ["x", 2, "y"]]


async def test_parse_int_and_parse_double() -> None:
    code = 'return [parseInt("12px"), parseInt(Args.n) + 1, parseDouble("2.5") * 2, parseInt("x")];'
    assert await execute(code, {"n": "41"}) == [12, 42, 5, 0]


async def test_var_forms_and_a_declared_but_unassigned_name_is_null() -> None:
    assert await execute("var a = 1, b = a + 1, c; return [a, b, c];") == [1, 2, None]
    assert await execute("if (false) { var x = 1; } return x;") is None
    assert await execute("var z = 0;") is None  # no return: null
    assert await execute("return;") is None


async def test_a_failed_call_gives_false_and_the_code_goes_on() -> None:
    api = FakeApi()
    code = 'var r = API.fail.me({}); var u = API.users.get({"user_ids": 2}); return [r, u@.id];'
    result = await run(compile_code(code), api)
    assert result.response == [False, [2]]
    assert result.errors == [
        {
            "method": "fail.me",
            "error_code": 100,
            "error_msg": "One of the parameters specified was missing or invalid: x is invalid",
        }
    ]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("return 1", "';' expected, '' found in line 1"),  # VK wants the last ';' too
        ("var a = 1;\nvar b = 2\nreturn a;", "';' expected, 'return' found in line 3"),
        ("return x;", "undefined identifier 'x' in line 1"),
        ("x = 1; var x;", "undefined identifier 'x' in line 1"),
        ("var a = a;", "undefined identifier 'a' in line 1"),
        ("return [1, 2;", "']' expected, ';' found in line 1"),
        ("if (1) { return 1;", "'}' expected, '' found in line 1"),
        ("return 1 +;", "unexpected ';' in line 1"),
        ("return 'unterminated;", "unexpected symbol ''' in line 1"),
        ("return API.messages();", "API.section.method(...) expected in line 1"),
        ("var a = [1]; return a.map(1);", "unknown method 'map' in line 1"),
        ("var a = 1; (a) = 2; 3 = a;", "non-variable in assignment in line 1"),
        ("for (var i = 0; i < 2; i = i + 1) {}", "undefined identifier 'for' in line 1"),
        ("var a = 1; a += 1;", "unexpected '=' in line 1"),
        ("var a = 1; return a === 1;", "unexpected '=' in line 1"),
        ("var return = 1;", "'return' cannot be a variable name in line 1"),
        ("return NaN;", "undefined identifier 'NaN' in line 1"),
        ("else return 1;", "unexpected 'else' in line 1"),
    ],
)
def test_compile_errors_are_12_with_vks_wording(code: str, message: str) -> None:
    with pytest.raises(VkError) as raised:
        compile_code(code)
    assert raised.value.code == 12
    assert raised.value.message == f"Unable to compile code: {message}"


async def test_nothing_runs_when_the_code_does_not_compile() -> None:
    api = FakeApi()
    with pytest.raises(VkError):
        await run(compile_code('API.users.get({"user_ids": 1}); return oops;'), api)
    assert api.calls == []


@pytest.mark.parametrize(
    ("code", "detail"),
    [
        ("return 1 / 0;", "division by zero"),
        ("return null.x;", "cannot read 'x' of null"),
        ("var r = API.fail.me({}); return r[0].id;", "cannot read '0' of a boolean"),
        ('return {"a": 1} + "x";', "an object cannot be joined to a string"),
        ("return [1] - 1;", "invalid operand type for -"),
        ('return "abc" * 2;', "invalid operand type for *"),
        ("return 1@.id;", "@.id needs an array, got a number"),
        ("var n = 5; n.push(1);", "push is not a method of a number"),
        ('return "abc".join(",");', "join is not a method of a string"),
        ("return API.users.get(5);", "users.get expects an object of parameters"),
    ],
)
async def test_runtime_errors_are_13_with_a_detail(code: str, detail: str) -> None:
    assert await runtime_error(code) == detail


async def test_at_most_25_api_calls() -> None:
    code = 'var i = 0; while (i < Args.n) { API.users.get({"user_ids": i}); i = i + 1; } return i;'
    assert await execute(code, {"n": str(MAX_CALLS)}) == MAX_CALLS
    assert await runtime_error(code, {"n": str(MAX_CALLS + 1)}) == "Too many API calls"


async def test_code_that_runs_too_long_is_stopped() -> None:
    # The default bound ends it.
    assert await runtime_error("while (true) {}") == "Too many operations"
    loop = "var i = 0; while (i < Args.n) { i = i + 1; } return i;"
    assert await execute(loop, {"n": "20"}, max_operations=200) == 20
    assert (await error_of(loop, {"n": "200"}, max_operations=200)).code == 13


async def test_execute_over_http_with_args_loops_and_projections(
    vk: Vk, control: Control, community: Community, member: int
) -> None:
    other = await control.user()
    await control.write(other, -community.id, "Здравствуйте")
    code = (
        'var people = API.users.get({"user_ids": Args.ids});'
        "var i = 0; var sent = [];"
        "while (i < people.length) {"
        '  sent.push(API.messages.send({"peer_id": people[i].id, "random_id": 0,'
        '    "message": "Здравствуйте, " + people[i].first_name + "! Ваш номер " + (i + 1)}));'
        "  i = i + 1;"
        "}"
        "return {ids: people@.id, sent: sent.length, first: sent[0] > 0};"
    )
    body = await vk.call("execute", community.access_token, code=code, ids=f"{member},{other}")
    assert body["response"] == {"ids": [member, other], "sent": 2, "first": True}
    texts = [m["text"] for m in (await control.messages(other, -community.id))["items"]]
    assert texts[-1] == "Здравствуйте, Пётр! Ваш номер 2"


async def test_execute_errors_over_http(vk: Vk, community: Community) -> None:
    token = community.access_token
    body = await vk.call("execute", token, code="var a = 1;\nreturn b;")
    assert body["error"]["error_code"] == 12
    assert (
        body["error"]["error_msg"] == "Unable to compile code: undefined identifier 'b' in line 2"
    )
    body = await vk.call("execute", token, code="while (true) {}")
    assert body["error"]["error_code"] == 13
    assert body["error"]["error_msg"].endswith(": Too many operations")


@pytest.mark.parametrize(
    ("code", "detail"),
    [
        ('var s = "ab"; while (true) { s = s + s; }', "value too large"),
        ("var a = [1]; while (true) { a = a + a; }", "value too large"),
        ("var a = [0]; while (true) { a.push(a.length, a.length); }", "Too many operations"),
        ("var n = 2; while (true) { n = n * n; }", "number out of range"),
        ('return parseDouble("1e999");', "number out of range"),
    ],
)
async def test_values_stay_within_bounds(code: str, detail: str) -> None:
    # A string doubled in a loop would take all memory long before the operation limit.
    assert await runtime_error(code) == detail


async def test_big_numbers_become_floats_as_64_bit_integers_would() -> None:
    assert await execute("return 9223372036854775807 + 1;") == 2.0**63
    assert await execute('return parseInt("' + "9" * 25 + '");') == 1e25


def test_a_number_beyond_double_range_does_not_compile() -> None:
    with pytest.raises(VkError) as raised:
        compile_code("return [1e999];")
    assert raised.value.code == 12
