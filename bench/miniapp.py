"""The student's grades page under load, next to a bare aiohttp + jinja2 page. Prints JSON.

    .venv/bin/python -m bench.miniapp [--clients 50] [--seconds 10] [--warmup 2]

Each server runs in its own process on 127.0.0.1 (client and server must not share a core):
- ``ours``: the mini-app as `sferum run` serves it (session cookie check, access check, journal
  queries in SQLite, the grades template with its layout), over the demo district's journal;
- ``bare``: one aiohttp handler rendering a jinja2 page from the same student's report held in
  memory: no session, no database, no access check.
Every client has its own cookie jar and launches the mini-app with signed VK parameters as a
different demo student (ours), then requests the grades page in a loop; latency is measured per
request from send to the last byte read. With ``--load wrk`` (the default when wrk is installed)
wrk drives 50 connections of one launched student instead: a Python client tops out near
1,100 requests/s on this machine, below what both servers can do.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import jinja2
from aiohttp import web

from bench.launch import APP_ID, SECRET, launch_query
from core.clock import SystemClock
from core.config import Settings
from core.demo.district import build
from core.gc_tuning import tune_gc
from core.people import PeopleRepository
from core.runtime.services import Services
from core.storage import open_core_database
from miniapp.journal.demo import load_demo_journal
from miniapp.journal.sqlite import SqliteJournal, migrate_journal

BARE_TEMPLATE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Оценки — {{ name }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>Оценки</h1><p>{{ name }}</p>
{% for s in report.subjects %}<section><h2>{{ s.subject }}</h2><p>{{ s.teacher }}</p>
<ul>{% for m in s.marks %}<li title="{{ m.title }}"><b>{{ m.shown }}</b>
<small>{{ m.day.strftime('%d.%m') }}</small></li>{% endfor %}</ul>
<p>{% for t in report.terms %}{{ t.title }}: {{ s.averages.get(t.id) }} {% endfor %}</p>
</section>{% endfor %}</body></html>"""


# --- servers (run in a child process) ------------------------------------------------------------


async def prepare(db_path: str) -> None:
    """The demo district and its journal in a fresh database file."""
    db = await open_core_database(db_path)
    await migrate_journal(db)
    await load_demo_journal(PeopleRepository(db, SystemClock()))
    await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    await db.close()


async def serve(kind: str, db_path: str) -> None:
    settings = Settings(db_path=db_path, vk_app_id=APP_ID, vk_app_secret=SECRET)
    services = await Services.open(settings)
    if kind == "ours":
        from miniapp.app import create_app

        app = create_app(services)
    else:
        app = await bare_app(services)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    tune_gc()  # as `sferum run` and `sferum miniapp` do
    print(f"http://127.0.0.1:{port}", flush=True)
    await asyncio.Event().wait()


async def bare_app(services: Services) -> web.Application:
    person = await services.people.person_by_vk(build().vk_ids()["st08"])
    assert person is not None
    today = services.clock.now().date()
    report = await SqliteJournal(services.db).student_grades(person.id, today)
    template = jinja2.Environment(autoescape=True).from_string(BARE_TEMPLATE)

    async def grades(request: web.Request) -> web.Response:
        html = template.render(name=person.full_name, report=report)
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/grades", grades)
    return app


# --- load (this process) -------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    bytes: int = 0


async def open_session(url: str, vk_user_id: int) -> tuple[aiohttp.ClientSession, str]:
    """A client launched from VK as this person; returns its session and grades path."""
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    launch = f"{url}/?{launch_query(vk_user_id, 'mobile_iphone')}"
    async with http.get(launch, allow_redirects=False) as response:
        if response.status != 303:
            raise SystemExit(f"launch failed: {response.status} {await response.text()}")
    async with http.get(f"{url}/api/me") as response:
        me = await response.json()
    return http, f"/s/{me['students'][0]['id']}/grades"


async def hammer(
    http: aiohttp.ClientSession, url: str, until: float, measure_from: float, tally: Tally
) -> None:
    loop = asyncio.get_running_loop()
    while (start := loop.time()) < until:
        try:
            async with http.get(url) as response:
                body = await response.read()
                ok = response.status == 200
        except aiohttp.ClientError:
            ok, body = False, b""
        end = loop.time()
        if start >= measure_from:
            if ok:
                tally.latencies.append(end - start)
                tally.bytes += len(body)
            else:
                tally.errors += 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(
    kind: str, url: str, clients: int, seconds: float, warmup: float
) -> dict[str, Any]:
    students = [v for k, v in build().vk_ids().items() if k.startswith("st")]
    sessions: list[tuple[aiohttp.ClientSession, str]] = []
    connector_limit = clients
    for n in range(clients):
        if kind == "ours":
            sessions.append(await open_session(url, students[n % len(students)]))
        else:
            connector = aiohttp.TCPConnector(limit=connector_limit)
            sessions.append((aiohttp.ClientSession(connector=connector), "/grades"))
    loop = asyncio.get_running_loop()
    measure_from = loop.time() + warmup
    until = measure_from + seconds
    tally = Tally()
    try:
        await asyncio.gather(
            *(hammer(http, url + path, until, measure_from, tally) for http, path in sessions)
        )
    finally:
        for http, _ in sessions:
            await http.close()
    done = len(tally.latencies)
    return {
        "requests": done,
        "errors": tally.errors,
        "rps": round(done / seconds, 1),
        "p50_ms": round(statistics.median(tally.latencies) * 1000, 2),
        "p95_ms": round(percentile(tally.latencies, 0.95) * 1000, 2),
        "p99_ms": round(percentile(tally.latencies, 0.99) * 1000, 2),
        "page_bytes": tally.bytes // done if done else 0,
    }


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/s and latency percentiles from ``wrk --latency`` output."""

    def ms(text: str) -> float:
        units = {"us": 0.001, "ms": 1.0, "s": 1000.0}
        match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
        if match is None:
            raise ValueError(f"unexpected wrk latency {text!r}")
        return round(float(match[1]) * units[match[2]], 2)

    figures: dict[str, Any] = {}
    percentiles = dict(re.findall(r"^\s+(50|90|99)(?:\.000)?%\s+(\S+)", output, re.MULTILINE))
    figures["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]
    figures["requests"] = int(re.search(r"(\d+) requests in", output)[1])  # type: ignore[index]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: .*", output)
    figures["errors"] = int(bad[1]) if bad else 0
    if errors:
        figures["socket_errors"] = errors[0]
    figures["p50_ms"] = ms(percentiles["50"])
    figures["p90_ms"] = ms(percentiles["90"])
    figures["p99_ms"] = ms(percentiles["99"])
    return figures


async def measure_wrk(kind: str, url: str, clients: int, seconds: float) -> dict[str, Any]:
    """The same load from wrk (C, two threads): the Python client tops out near 1,100 req/s."""
    headers: list[str] = []
    path = "/grades"
    if kind == "ours":
        student = build().vk_ids()["st08"]
        http, path = await open_session(url, student)
        cookies = "; ".join(f"{c.key}={c.value}" for c in http.cookie_jar)
        await http.close()
        headers = ["-H", f"Cookie: {cookies}"]
    command = ["wrk", "-t2", f"-c{clients}", f"-d{int(seconds)}s", "--latency", *headers]
    process = await asyncio.create_subprocess_exec(
        *command, url + path, stdout=asyncio.subprocess.PIPE
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"wrk failed ({process.returncode})")
    return parse_wrk(output.decode())


def start_server(kind: str, db_path: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.miniapp", "--serve", kind, "--db", db_path],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        process.kill()
        raise SystemExit(f"the {kind} server did not start")
    return process, url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument(
        "--load",
        choices=("python", "wrk"),
        default="wrk" if shutil.which("wrk") else "python",
        help="load generator (wrk: apt-get install wrk)",
    )
    parser.add_argument("--serve", choices=("ours", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve, args.db))
        return

    with tempfile.TemporaryDirectory() as tmp:
        db_path = str(Path(tmp) / "bench.db")
        asyncio.run(prepare(db_path))
        results: dict[str, Any] = {
            "clients": args.clients,
            "seconds": args.seconds,
            "load_generator": args.load,
        }
        for kind in ("ours", "bare"):
            process, url = start_server(kind, db_path)
            try:
                if args.load == "wrk":
                    results[kind] = asyncio.run(measure_wrk(kind, url, args.clients, args.seconds))
                else:
                    results[kind] = asyncio.run(
                        measure(kind, url, args.clients, args.seconds, args.warmup)
                    )
            finally:
                process.kill()
                process.wait()
        results["rps_ratio_bare_over_ours"] = round(
            results["bare"]["rps"] / results["ours"]["rps"], 2
        )
        results["p99_ratio_ours_over_bare"] = round(
            results["ours"]["p99_ms"] / results["bare"]["p99_ms"], 2
        )
        results["goal_met"] = results["ours"]["rps"] >= 500 and results["ours"]["p99_ms"] < 100
        print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
