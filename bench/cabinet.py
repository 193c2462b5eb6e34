"""The cabinet's «Участники» page for a school of 3,000 people, over HTTP. Prints JSON.

    .venv/bin/python -m bench.cabinet [--requests 200] [--people 3000]

A region → municipality → school in a temporary SQLite database: 150 staff (one of them the
admin the client launches as), students in classes of 25 and parents linked to them (3,000
people in all; every seventh without a VK account; roles given by journal code, invite, join
request or import). The mini-app runs as `sferum run` serves it (session, access check, the
cabinet's page with its layout) in a child process on 127.0.0.1; the client, in this process,
requests one page at a time. Three cases: the first page of the list, a filtered page (students of
one class with VK bound) and a search by name (with «ё»). Every request of a case is paired with a
request of the home page (the peer: the same session, identity and layout, no list) made right
after it, so when the machine's speed drifts both sides of a pair feel it; the figures give both
and the per-pair difference. Goal: p95 of every case < 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import web

from bench.launch import APP_ID, SECRET, launch_query
from core.config import Settings
from core.gc_tuning import tune_gc
from core.runtime.services import Services
from core.storage import open_core_database

ADMIN_VK = 5_000_001
STAFF = 150
CLASS_SIZE = 25
GOAL_P95_MS = 100.0
WARMUP = 20
GRANTED = "2026-09-01T03:00:00+00:00"
METHODS = ("journal_code", "invite", "join_request", "oneroster")
POSITIONS = ("teacher", "teacher", "teacher", "class_teacher", "counsellor", "operator")
FIRST = ("Артём", "Максим", "Иван", "Фёдор", "Анна", "Мария", "Алёна", "Пётр", "Ксения", "Семён")
LAST = ("Иванов", "Смирнов", "Фёдоров", "Кузнецов", "Алёшин", "Попов", "Семёнов", "Орлов",
        "Лебедев", "Соколов", "Михайлов", "Новиков", "Ершов", "Зайцев", "Котов")  # fmt: skip


async def prepare(path: str, people: int) -> dict[str, Any]:
    """The school, its classes, people and roles; what was made."""
    rng = random.Random(19)
    db = await open_core_database(path)
    students = (people - STAFF) * 2 // 3
    parents = people - STAFF - students
    classes = -(-students // CLASS_SIZE)
    async with db.transaction() as tx:
        region = await tx.execute(
            "INSERT INTO organisations (kind, name, region_code, timezone) "
            "VALUES ('region', 'Бенч-область', '99', 'Asia/Novosibirsk')"
        )
        town = await tx.execute(
            "INSERT INTO organisations (kind, name, parent_id, region_code, timezone) "
            "VALUES ('municipality', 'Бенч-город', ?, '99', 'Asia/Novosibirsk')",
            (region,),
        )
        school = await tx.execute(
            "INSERT INTO organisations (kind, name, parent_id, region_code, timezone) "
            "VALUES ('school', 'Бенч-школа № 1', ?, '99', 'Asia/Novosibirsk')",
            (town,),
        )
        groups = []
        for n in range(classes):
            grade = 1 + n % 11
            name = f"{grade}{'АБВГДЕЖИКЛМН'[n // 11]}"
            groups.append(
                await tx.execute(
                    "INSERT INTO groups (org_id, name, grade) VALUES (?, ?, ?)",
                    (school, name, grade),
                )
            )

        async def person(index: int) -> int:
            vk = ADMIN_VK if index == 0 else (None if index % 7 == 3 else ADMIN_VK + index)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            if first[-1] in "аия" and last[-1] in "вн":
                last += "а"
            return await tx.execute(
                "INSERT INTO persons (vk_user_id, first_name, last_name) VALUES (?, ?, ?)",
                (vk, first, last),
            )

        async def role(pid: int, kind: str, position: str | None, method: str) -> None:
            await tx.execute(
                "INSERT INTO roles (person_id, role, org_id, position, granted_at, method) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (pid, kind, school, position, GRANTED, method),
            )

        index = 0
        for n in range(STAFF):
            pid = await person(index)
            index += 1
            if n == 0:
                await role(pid, "staff", "admin", "cli")
            await role(pid, "staff", POSITIONS[n % len(POSITIONS)], "oneroster")
        student_ids = []
        for n in range(students):
            pid = await person(index)
            index += 1
            await role(pid, "student", None, METHODS[n % len(METHODS)])
            await tx.execute(
                "INSERT INTO student_groups (person_id, group_id) VALUES (?, ?)",
                (pid, groups[n // CLASS_SIZE]),
            )
            student_ids.append(pid)
        for n in range(parents):
            pid = await person(index)
            index += 1
            await role(pid, "parent", None, METHODS[(n + 1) % len(METHODS)])
            await tx.execute(
                "INSERT INTO parent_children (parent_id, child_id) VALUES (?, ?)",
                (pid, student_ids[n % len(student_ids)]),
            )
    await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    await db.execute("ANALYZE")
    await db.close()
    return {
        "school": school,
        "group": groups[len(groups) // 2],
        "people": index,
        "staff": STAFF,
        "students": students,
        "parents": parents,
        "classes": classes,
    }


async def serve(path: str) -> None:
    from miniapp.app import create_app
    from miniapp.cabinet import setup as cabinet_pages

    settings = Settings(db_path=path, vk_app_id=APP_ID, vk_app_secret=SECRET)
    services = await Services.open(settings)
    app = create_app(services, extra_routes=[cabinet_pages], load_demo=False)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    tune_gc()  # as `sferum run` and `sferum miniapp` do
    print(f"http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    await asyncio.Event().wait()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(value: float) -> float:
    return round(value * 1000, 2)


async def timed(http: aiohttp.ClientSession, url: str) -> tuple[float, str]:
    start = time.perf_counter()
    async with http.get(url) as response:
        body = await response.text()
        if response.status != 200:
            raise SystemExit(f"{url}: {response.status}")
    return time.perf_counter() - start, body


async def measure(url: str, made: dict[str, Any], requests: int) -> dict[str, Any]:
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    launch = f"{url}/?{launch_query(ADMIN_VK, 'mobile_web')}"
    try:
        async with http.get(launch, allow_redirects=False) as response:
            if response.status != 303:
                raise SystemExit(f"launch failed: {response.status}")
        base = f"{url}/admin/org/{made['school']}/people"
        cases = {
            "first_page": base,
            "filtered": f"{base}?role=student&class={made['group']}&verified=yes",
            "search": f"{base}?q={quote('фёдоров')}",
        }
        peer = f"{url}/home"
        results: dict[str, Any] = {}
        for name, target in cases.items():
            for _ in range(WARMUP):
                await timed(http, target)
                await timed(http, peer)
            ours: list[float] = []
            theirs: list[float] = []
            body = ""
            for _ in range(requests):
                took, body = await timed(http, target)
                ours.append(took)
                theirs.append((await timed(http, peer))[0])
            diffs = [a - b for a, b in zip(ours, theirs, strict=True)]
            results[name] = {
                "p50_ms": ms(statistics.median(ours)),
                "p95_ms": ms(percentile(ours, 0.95)),
                "peer_p50_ms": ms(statistics.median(theirs)),
                "peer_p95_ms": ms(percentile(theirs, 0.95)),
                "minus_peer_p50_ms": ms(statistics.median(diffs)),
                "minus_peer_p95_ms": ms(percentile(diffs, 0.95)),
                "rows_on_page": body.count("<tr>") - 1,
                "page_bytes": len(body.encode()),
            }
        return results
    finally:
        await http.close()


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "bench.db")
        made = await prepare(path, args.people)
        server = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.cabinet", "--serve", path,
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            assert server.stdout is not None
            url = (await server.stdout.readline()).decode().strip()
            if not url.startswith("http://127.0.0.1:"):
                raise SystemExit("the server did not start")
            cases = await measure(url, made, args.requests)
        finally:
            server.terminate()
            await asyncio.wait_for(server.wait(), timeout=10)
    worst = max(c["p95_ms"] for c in cases.values())
    return {
        "bench": "cabinet_people",
        "school": {k: made[k] for k in ("people", "staff", "students", "parents", "classes")},
        "requests_per_case": args.requests,
        "peer": "/home (same session), requested right after each page",
        "cases": cases,
        "goal_p95_ms": GOAL_P95_MS,
        "worst_p95_ms": worst,
        "goal_met": worst < GOAL_P95_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve))
        return
    args.requests = max(10, min(args.requests, 10_000))
    args.people = max(STAFF + 10, min(args.people, 200_000))
    print(json.dumps(asyncio.run(main_async(args)), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
