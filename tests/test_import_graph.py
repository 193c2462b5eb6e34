"""The layers of the house, measured on the real import graph (grimp: every import statement,
nested ones and those under TYPE_CHECKING too, since a type-only cycle is still a knot to read).

core is the bottom; bots, miniapp and sandbox build on it; sferum, the composition root, on all
of them. No module-level cycles anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import pairwise

import grimp
import pytest

PACKAGES = ("core", "bots", "miniapp", "sandbox", "sferum")
# What the sandbox takes from core: the clock, the demo district it seeds, and the policy it
# applies to people writing to people (as VK would refuse them). Nothing more may creep in.
SANDBOX_USES_OF_CORE = frozenset(
    {
        "core.clock",
        "core.demo.district",
        "core.people.models",
        "core.policy",
        "core.policy.rules",
        "core.vk.launch_params",
    }
)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # No cache: it would be written into the checkout, and a stale one could hide a cycle.
    return grimp.build_graph(*PACKAGES, exclude_type_checking_imports=False, cache_dir=None)


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def _edges(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}


def find_cycle(edges: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One cycle of the directed graph as [a, b, ..., a], or None (iterative depth-first search:
    the graph has hundreds of modules)."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(edges, white)
    for root in sorted(edges):
        if colour[root] != white:
            continue
        path = [root]
        stack = [iter(sorted(edges[root]))]
        colour[root] = grey
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                colour[path.pop()] = black
                stack.pop()
            elif colour.get(nxt, black) == grey:
                return [*path[path.index(nxt) :], nxt]
            elif colour.get(nxt, black) == white:
                colour[nxt] = grey
                path.append(nxt)
                stack.append(iter(sorted(edges[nxt])))
    return None


def _describe(graph: grimp.ImportGraph, cycle: list[str]) -> str:
    lines = []
    for importer, imported in pairwise(cycle):
        details = graph.get_import_details(importer=importer, imported=imported)
        where = "; ".join(f"line {d['line_number']}: {d['line_contents']}" for d in details)
        lines.append(f"  {importer} -> {imported} ({where})")
    return "\n".join(lines)


def test_find_cycle_finds_a_cycle_and_only_a_cycle() -> None:
    # The check below is only as good as this search.
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": set(), "c": {"d"}, "d": {"c"}}) == ["c", "d", "c"]


def test_no_module_level_cycles(graph: grimp.ImportGraph) -> None:
    cycle = find_cycle(_edges(graph))
    assert cycle is None, "import cycle:\n" + _describe(graph, cycle or [])


def _arrows(graph: grimp.ImportGraph, source: str, targets: set[str]) -> list[str]:
    return sorted(
        f"{importer} -> {imported}"
        for importer, imported_set in _edges(graph).items()
        if _top(importer) == source
        for imported in imported_set
        if _top(imported) in targets
    )


def test_core_imports_none_of_the_layers_above(graph: grimp.ImportGraph) -> None:
    assert _arrows(graph, "core", {"sandbox", "miniapp", "bots", "sferum"}) == []


def test_sandbox_takes_from_core_only_what_it_always_did(graph: grimp.ImportGraph) -> None:
    assert _arrows(graph, "sandbox", {"bots", "miniapp", "sferum"}) == []
    used = {
        imported
        for importer, imported_set in _edges(graph).items()
        if _top(importer) == "sandbox"
        for imported in imported_set
        if _top(imported) == "core"
    }
    assert used <= SANDBOX_USES_OF_CORE, sorted(used - SANDBOX_USES_OF_CORE)


def test_bots_and_miniapp_do_not_import_the_composition_root(graph: grimp.ImportGraph) -> None:
    assert _arrows(graph, "bots", {"sferum", "sandbox"}) == []
    assert _arrows(graph, "miniapp", {"sferum", "sandbox", "bots"}) == []
