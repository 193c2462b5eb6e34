"""``sferum doctor`` against a real sandbox on 127.0.0.1: a ready community, and every way one is
not ready (long poll off, a token without the messages right, an invalid or foreign token, the
community's messages off, missing secrets, a database behind its migrations)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from core.clock import ManualClock
from core.config import Settings
from core.doctor import REQUIRED_EVENTS, Report, run_doctor
from core.storage import open_core_database
from sandbox.app import RunningSandbox, start_sandbox
from sandbox.config import SandboxConfig
from sandbox.records import COMMUNITY_TOKEN_RIGHTS, Community

from .conftest import APP_ID, APP_SECRET

REMOTE = ["token", "messages_right", "community_messages"]
LOCAL = ["miniapp_id", "miniapp_secret", "launch_age", "database"]


@pytest.fixture
async def sandbox(clock: ManualClock) -> AsyncIterator[RunningSandbox]:
    config = SandboxConfig(background_tasks=False, communities=("Школа № 1",), rate_limit=None)
    async with await start_sandbox(config, clock=clock) as running:
        yield running


@pytest.fixture
def community(sandbox: RunningSandbox) -> Community:
    return sandbox.runtime.created[0]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def real_vk(sandbox: RunningSandbox, community: Community, db_path: str, **over: Any) -> Settings:
    """Settings of a school pointed at VK — here the sandbox — with everything filled in."""
    values: dict[str, Any] = {
        "vk_token": community.access_token,
        "vk_group_id": community.id,
        "vk_api_url": sandbox.api_url,
        "vk_app_id": APP_ID,
        "vk_app_secret": APP_SECRET,
        "db_path": db_path,
        "vk_timeout_s": 30,
    }
    values.update(over)
    return Settings(**values)


async def control(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, path: str, body: dict[str, Any]
) -> Any:
    async with http.post(f"{sandbox.url}/sandbox/api{path}", json=body) as response:
        assert response.status < 300, await response.text()
        return await response.json()


async def doctor_after(
    http: aiohttp.ClientSession,
    sandbox: RunningSandbox,
    community: Community,
    db_path: str,
    settings: dict[str, Any],
) -> Report:
    """Change the community's settings in the sandbox, then run the doctor against it."""
    await control(http, sandbox, f"/communities/{community.id}/settings", settings)
    return await run_doctor(real_vk(sandbox, community, db_path))


def one(report: Report, name: str) -> Any:
    found = report.by_name(name)
    assert len(found) == 1, (name, report.render())
    return found[0]


async def test_a_ready_community_passes_every_check(
    sandbox: RunningSandbox, community: Community, db_path: str
) -> None:
    report = await run_doctor(real_vk(sandbox, community, db_path))
    text = report.render()
    assert report.exit_code == 0, text
    assert [c.name for c in report.checks] == [*REMOTE, "longpoll", *LOCAL]
    assert all(c.ok is True for c in report.checks), text
    assert f"«Школа № 1» (id {community.id})" in one(report, "token").line
    assert ", ".join(REQUIRED_EVENTS) in one(report, "longpoll").line
    lines = text.splitlines()
    assert sum(line.startswith("✅ ") for line in lines) == len(report.checks)
    assert lines[-1] == "Сообщество готово к работе"


@pytest.mark.parametrize(
    ("setting", "check", "says"),
    [
        # The long poll's line also says where to switch it on.
        ("longpoll", "longpoll", ("Bots Long Poll: выключен", "Long Poll API")),
        ("messages", "community_messages", ("Сообщения сообщества выключены",)),
    ],
    ids=["long-poll-off", "community-messages-off"],
)
async def test_a_setting_switched_off_fails_with_its_line(
    sandbox: RunningSandbox,
    community: Community,
    db_path: str,
    http: aiohttp.ClientSession,
    setting: str,
    check: str,
    says: tuple[str, ...],
) -> None:
    report = await doctor_after(http, sandbox, community, db_path, {setting: False})
    failed = one(report, check)
    assert report.exit_code == 1
    assert failed.ok is False and all(words in failed.line for words in says), failed.line
    assert report.failures == 1
    assert report.render().splitlines()[-1] == (
        "Найдено проблем: 1 — исправьте их и запустите sferum doctor снова"
    )


async def test_missing_events_are_named(
    sandbox: RunningSandbox, community: Community, db_path: str, http: aiohttp.ClientSession
) -> None:
    events = {"events": {"message_event": False, "message_deny": False}}
    longpoll = one(await doctor_after(http, sandbox, community, db_path, events), "longpoll")
    assert longpoll.ok is False
    assert "не включены события message_event, message_deny" in longpoll.line
    assert "выключен" not in longpoll.line


async def test_a_token_without_the_messages_right_fails(
    sandbox: RunningSandbox, community: Community, db_path: str, http: aiohttp.ClientSession
) -> None:
    # Every right but that one, so only the messages bit can tell them apart.
    rights = [name for name in COMMUNITY_TOKEN_RIGHTS if name != "messages"]
    made = await control(http, sandbox, f"/communities/{community.id}/tokens", {"rights": rights})
    report = await run_doctor(real_vk(sandbox, community, db_path, vk_token=made["access_token"]))
    right = one(report, "messages_right")
    assert report.exit_code == 1
    assert right.ok is False and "нет права «Сообщения сообщества»" in right.line
    # The token itself is fine and the other checks still ran.
    assert one(report, "token").ok is True and one(report, "longpoll").ok is True
    assert report.failures == 1


async def test_an_invalid_token_fails_and_the_rest_of_vk_is_not_asked(
    sandbox: RunningSandbox, community: Community, db_path: str
) -> None:
    report = await run_doctor(real_vk(sandbox, community, db_path, vk_token="vk1.a.revoked"))
    token = one(report, "token")
    assert report.exit_code == 1
    assert token.ok is False and "Токен недействителен" in token.line
    for name in ["messages_right", "community_messages", "longpoll"]:
        skipped = one(report, name)
        assert skipped.ok is None and "сначала исправьте токен" in skipped.line
    assert one(report, "database").ok is True


async def test_a_token_of_another_community_fails(
    sandbox: RunningSandbox, community: Community, db_path: str
) -> None:
    other = sandbox.runtime.state.create_community("Другая школа")
    report = await run_doctor(real_vk(sandbox, community, db_path, vk_group_id=other.id))
    token = one(report, "token")
    assert report.exit_code == 1 and token.ok is False
    assert f"(id {community.id})" in token.line and f"vk_group_id = {other.id}" in token.line
    assert one(report, "longpoll").ok is None  # not asked about the wrong community


async def test_without_vk_group_id_the_token_names_its_community(
    sandbox: RunningSandbox, community: Community, db_path: str
) -> None:
    report = await run_doctor(real_vk(sandbox, community, db_path, vk_group_id=None))
    assert report.exit_code == 1
    assert one(report, "vk_group_id").ok is False
    hint = one(report, "token")
    assert hint.ok is None and f"укажите vk_group_id = {community.id}" in hint.line
    # The token's own community is checked meanwhile.
    assert one(report, "longpoll").ok is True


async def test_vk_that_does_not_answer_is_a_line_not_a_crash(
    sandbox: RunningSandbox, community: Community, db_path: str
) -> None:
    report = await run_doctor(
        real_vk(sandbox, community, db_path, vk_api_url=f"{sandbox.url}/not-the-api/")
    )
    token = one(report, "token")
    assert report.exit_code == 1
    assert token.ok is False and "VK не отвечает" in token.line and "HTTP 404" in token.line


async def test_missing_and_sandbox_secrets_fail_each_on_its_line(
    sandbox: RunningSandbox, community: Community, db_path: str
) -> None:
    report = await run_doctor(
        real_vk(
            sandbox,
            community,
            db_path,
            vk_app_secret=None,
            vk_app_id=Settings.model_fields["vk_app_id"].default,
            launch_max_age_s=7 * 86_400,
        )
    )
    assert report.exit_code == 1
    secret = one(report, "miniapp_secret")
    assert secret.ok is False and "vk_app_secret" in secret.line and "не задан" in secret.line
    assert one(report, "miniapp_id").ok is False
    age = one(report, "launch_age")
    assert age.ok is None and "86400" in age.line  # a warning: not counted as a failure
    assert report.failures == 2 and report.warnings == 1


class CallbackReceiver:
    """Our side of the Callback API handshake, at /callback/<group_id> as the runtime serves it."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.runner: web.AppRunner | None = None
        self.base = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        return web.Response(text=self.code if body.get("type") == "confirmation" else "ok")

    async def __aenter__(self) -> CallbackReceiver:
        app = web.Application()
        app.router.add_post("/callback/{group_id}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.base = f"http://127.0.0.1:{self.runner.addresses[0][1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


def callback_vk(
    sandbox: RunningSandbox, community: Community, db_path: str, **over: Any
) -> Settings:
    values: dict[str, Any] = {
        "transport": "callback",
        "callback_secret": "a-long-callback-secret-1234",
        "callback_confirmation": community.confirmation_code,
    }
    values.update(over)
    return real_vk(sandbox, community, db_path, **values)


async def test_callback_server_confirmed_or_not(
    sandbox: RunningSandbox, community: Community, db_path: str, http: aiohttp.ClientSession
) -> None:
    settings = callback_vk(sandbox, community, db_path)
    missing = await run_doctor(settings)
    server = one(missing, "callback_server")
    assert server.ok is False and f"…/callback/{community.id} не добавлен" in server.line
    assert missing.by_name("longpoll") == []

    async with CallbackReceiver("wrong-code") as wrong:
        await control(
            http,
            sandbox,
            f"/communities/{community.id}/callback",
            {"url": f"{wrong.base}/callback/{community.id}", "secret": "s"},
        )
    unconfirmed = one(await run_doctor(settings), "callback_server")
    assert unconfirmed.ok is False and "не подтверждён (статус «failed»)" in unconfirmed.line

    async with CallbackReceiver(community.confirmation_code) as ours:
        await control(
            http,
            sandbox,
            f"/communities/{community.id}/callback",
            {"url": f"{ours.base}/callback/{community.id}", "secret": "s"},
        )
    ready = await run_doctor(settings)
    assert one(ready, "callback_server").ok is True, ready.render()
    assert one(ready, "callback_secrets").ok is True
    assert ready.exit_code == 0, ready.render()


async def test_callback_secrets_missing_fail(
    sandbox: RunningSandbox, community: Community, db_path: str
) -> None:
    report = await run_doctor(
        callback_vk(
            sandbox, community, db_path, callback_secret="short", callback_confirmation=None
        )
    )
    lines = [c.line for c in report.by_name("callback_secrets")]
    assert len(lines) == 2 and all(c.ok is False for c in report.by_name("callback_secrets"))
    assert "callback_secret" in lines[0] and "callback_confirmation" in lines[1]


# -- the database -------------------------------------------------------------------------------


async def test_a_database_behind_its_migrations_says_migrate_and_is_left_alone(
    tmp_path: Path, sandbox: RunningSandbox, community: Community
) -> None:
    path = tmp_path / "core-only.db"
    db = await open_core_database(str(path))  # the core migrated, no bot yet
    await db.close()
    before = path.read_bytes()
    report = await run_doctor(real_vk(sandbox, community, str(path)))
    database = one(report, "database")
    assert report.exit_code == 1
    assert database.ok is False and "выполните sferum migrate" in database.line
    assert "exam_trainer 0001" in database.line and "ядра" not in database.line
    assert path.read_bytes() == before  # doctor applied nothing


async def test_a_missing_database_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "var" / "sferum.db"
    report = await run_doctor(Settings(db_path=str(path)))
    database = one(report, "database")
    assert database.ok is False and "не найдена — выполните sferum migrate" in database.line
    assert not path.exists() and not path.parent.exists()


async def test_an_empty_database_file_lacks_every_migration(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    database = one(await run_doctor(Settings(db_path=str(path))), "database")
    assert database.ok is False and "ядра 0001" in database.line
    assert path.read_bytes() == b""  # no bookkeeping table was created


async def test_a_file_that_is_not_a_database_is_unreachable(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("это не база данных", encoding="utf-8")
    database = one(await run_doctor(Settings(db_path=str(path))), "database")
    assert database.ok is False and "недоступна" in database.line


async def test_sandbox_mode_checks_only_the_database(db_path: str) -> None:
    report = await run_doctor(Settings(db_path=db_path))
    assert [c.name for c in report.checks] == ["sandbox", "database"]
    assert report.exit_code == 0
    assert report.render().splitlines()[-1] == "Всё готово к работе с песочницей"


async def test_a_database_in_memory_has_nothing_to_migrate() -> None:
    report = await run_doctor(Settings(db_path=":memory:"))
    assert one(report, "database").ok is True and report.exit_code == 0


async def test_a_database_newer_than_the_code_is_a_warning(db_path: str) -> None:
    with sqlite3.connect(db_path) as db:
        db.execute(
            "INSERT INTO schema_migrations (namespace, version, name) VALUES ('core', 9999, 'x')"
        )
    report = await run_doctor(Settings(db_path=db_path))
    database = one(report, "database")
    assert database.ok is None and "новее программы" in database.line and "9999" in database.line
    assert report.exit_code == 0


async def test_an_answer_not_shaped_as_the_schema_is_a_line_not_a_crash(
    sandbox: RunningSandbox, community: Community, db_path: str
) -> None:
    async def odd(request: web.Request) -> web.Response:
        return web.json_response({"response": []})  # a list where VK documents an object

    app = web.Application()
    app.router.add_post("/method/{name}", odd)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/method/"
        report = await run_doctor(real_vk(sandbox, community, db_path, vk_api_url=url))
    finally:
        await runner.cleanup()
    token = one(report, "token")
    assert token.ok is False and "не так, как описано в его схеме" in token.line
    assert report.exit_code == 1


async def test_every_community_of_the_communities_table_is_checked(
    clock: ManualClock, db_path: str, http: aiohttp.ClientSession
) -> None:
    config = SandboxConfig(
        background_tasks=False, communities=("Тренажёр", "Пушкинская карта"), rate_limit=None
    )
    async with await start_sandbox(config, clock=clock) as running:
        trainer, pushkin = running.runtime.created
        await control(http, running, f"/communities/{pushkin.id}/settings", {"longpoll": False})
        settings = Settings(
            vk_api_url=running.api_url,
            vk_app_id=APP_ID,
            vk_app_secret=APP_SECRET,
            db_path=db_path,
            vk_timeout_s=30,
            communities={
                "exam_trainer": {"token": trainer.access_token, "group_id": trainer.id},
                "pushkin_card": {"token": pushkin.access_token, "group_id": pushkin.id},
            },
        )
        report = await run_doctor(settings)
    text = report.render()
    tokens = report.by_name("token")
    assert [c.ok for c in tokens] == [True, True], text
    assert tokens[0].line.startswith("exam_trainer: ") and "«Тренажёр»" in tokens[0].line
    assert tokens[1].line.startswith("pushkin_card: ")
    longpoll = report.by_name("longpoll")
    assert [c.ok for c in longpoll] == [True, False], text
    assert longpoll[1].line.startswith("pushkin_card: ")
    assert report.exit_code == 1
