"""The web chat over HTTP: pages, live updates, sending, buttons, requests, mini-app launches."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from core.clock import ManualClock
from core.demo.district import build
from core.vk.launch_params import verify_launch_params
from sandbox.config import SandboxConfig
from sandbox.records import Community

from .conftest import Control, Vk

IDS = build().vk_ids()
pytestmark = pytest.mark.parametrize(
    "config",
    [
        SandboxConfig(
            background_tasks=False, seed_demo=True, communities=("Помощник",), rate_limit=None
        )
    ],
)


async def page(control: Control, path: str, status: int = 200) -> str:
    base = control.root.removesuffix("/sandbox/api")
    async with control.http.get(base + path, allow_redirects=False) as response:
        assert response.status == status, await response.text()
        return await response.text()


async def post(control: Control, path: str, body: dict[str, object]) -> dict[str, object]:
    base = control.root.removesuffix("/sandbox/api")
    async with control.http.post(base + path, json=body) as response:
        return await response.json()  # type: ignore[no-any-return]


async def test_pick_page_lists_demo_people_by_role(control: Control) -> None:
    html = await page(control, "/?peer=-200000001")
    for heading in ("Кто вы?", "Педагоги", "Ученики", "Родители", "Без роли"):
        assert heading in html
    assert "Ирина Смирнова" in html and "классный руководитель" in html
    assert f'href="/chat/{IDS["smirnova"]}?peer=-200000001"' in html


async def test_chat_page_shows_the_conversation_with_keyboards(
    control: Control,
    vk: Vk,
    community: Community,
) -> None:
    me = IDS["pa00"]
    await control.write(me, -community.id, "Когда собрание?")
    inline = json.dumps(
        {
            "inline": True,
            "buttons": [
                [
                    {
                        "action": {"type": "callback", "label": "Напомнить", "payload": '{"r": 1}'},
                        "color": "positive",
                    },
                    {
                        "action": {
                            "type": "open_link",
                            "label": "Сайт",
                            "link": "https://example.org",
                        }
                    },
                ]
            ],
        }
    )
    menu = json.dumps({"buttons": [[{"action": {"type": "text", "label": "Меню"}}]]})
    await vk.call(
        "messages.send",
        community.access_token,
        peer_id=me,
        random_id=0,
        message="В четверг в 18:00",
        keyboard=inline,
    )
    await vk.call(
        "messages.send",
        community.access_token,
        peer_id=me,
        random_id=0,
        message="Меню ниже",
        keyboard=menu,
    )
    html = await page(control, f"/chat/{me}?peer={-community.id}")
    assert "Когда собрание?" in html and "В четверг в 18:00" in html
    assert 'data-kind="callback"' in html and "Напомнить" in html and "kb-positive" in html
    assert 'href="https://example.org" target="_blank"' in html
    assert 'class="keyboard-slot"' in html and ">Меню</button>" in html
    assert "Запретить сообщения" in html


async def test_service_messages_and_calls_read_as_short_russian_lines(
    control: Control, community: Community
) -> None:
    teacher, colleague, pupil = IDS["smirnova"], IDS["kuznetsov"], IDS["st00"]
    chat = await control.post(
        "/chats",
        {"title": "Проект", "user_ids": [teacher, colleague], "group_ids": [community.id]},
        201,
    )
    peer = chat["peer_id"]
    await control.post(f"/chats/{peer}/members", {"user_ids": [pupil]})
    await control.post(f"/users/{teacher}/calls", {"peer_id": peer, "duration": 60}, 201)

    html = await page(control, f"/chat/{colleague}?peer={peer}")
    assert 'class="service-line"' in html
    assert "Ирина Смирнова создала беседу «Проект»" in html
    assert "Ирина Смирнова пригласила Артём Иванов" in html
    assert "📞 Звонок, 1 мин" in html
    own = await page(control, f"/chat/{teacher}?peer={peer}")
    assert "Вы создали беседу «Проект»" in own
    invited = await page(control, f"/chat/{pupil}?peer={peer}")
    assert "Ирина Смирнова пригласила вас" in invited
    # The conversation list shows the last event the same way.
    base = control.root.removesuffix("/sandbox/api")
    async with control.http.get(f"{base}/chat/{colleague}/updates?wait=0") as response:
        sidebar = (await response.json())["sidebar"]
    assert "📞 Звонок, 1 мин" in sidebar


async def test_updates_wait_for_a_change_and_render_fragments(
    control: Control,
    vk: Vk,
    community: Community,
) -> None:
    me = IDS["pa00"]
    await control.write(me, -community.id, "Привет")
    version = (await control.get(f"/users/{me}/conversations"))["version"]
    base = control.root.removesuffix("/sandbox/api")
    url = f"{base}/chat/{me}/updates?peer={-community.id}&v={version}&wait=10"
    waiting = asyncio.create_task(control.http.get(url))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    await vk.call(
        "messages.send",
        community.access_token,
        peer_id=me,
        random_id=0,
        message="Ответ <b>бота</b> https://vk.com",
    )
    async with await asyncio.wait_for(waiting, 5) as response:
        data = await response.json()
    assert data["version"] > version
    assert "Ответ &lt;b&gt;бота&lt;/b&gt;" in data["thread"]  # escaped, never raw HTML
    assert '<a href="https://vk.com" target="_blank"' in data["thread"]
    assert "Помощник" in data["sidebar"]


async def test_sending_and_pressing_from_the_page(
    control: Control, vk: Vk, community: Community
) -> None:
    me = IDS["st00"]
    sent = await post(control, f"/chat/{me}/send", {"peer_id": -community.id, "text": "Привет"})
    assert sent["ok"] is True
    keyboard = json.dumps(
        {
            "inline": True,
            "buttons": [
                [{"action": {"type": "callback", "label": "Да", "payload": '{"yes": true}'}}]
            ],
        }
    )
    await vk.call(
        "messages.send",
        community.access_token,
        peer_id=me,
        random_id=0,
        message="Точно?",
        keyboard=keyboard,
    )
    pressed = await post(
        control,
        f"/chat/{me}/press",
        {"peer_id": -community.id, "cmid": 2, "payload": '{"yes": true}'},
    )
    assert pressed["ok"] is True
    base = control.root.removesuffix("/sandbox/api")
    waiting = asyncio.create_task(
        control.http.get(f"{base}/chat/{me}/events/{pressed['event_id']}?wait=10")
    )
    await asyncio.sleep(0.05)
    await vk.call(
        "messages.sendMessageEventAnswer",
        community.access_token,
        event_id=pressed["event_id"],
        user_id=me,
        peer_id=me,
        event_data=json.dumps({"type": "show_snackbar", "text": "Принято"}),
    )
    async with await asyncio.wait_for(waiting, 5) as response:
        assert await response.json() == {
            "answered": True,
            "event_data": {"type": "show_snackbar", "text": "Принято"},
        }
    stale = await post(control, f"/chat/{me}/press", {"peer_id": -community.id, "label": "Нет"})
    assert stale["ok"] is False


async def test_policy_errors_are_explained_in_russian(control: Control) -> None:
    parent, child = IDS["pa00"], IDS["st05"]
    first = await post(control, f"/chat/{parent}/send", {"peer_id": child, "text": "Привет"})
    assert first == {
        "ok": False,
        "code": 987,
        "queued": True,
        "error": "Собеседник получит запрос на переписку. Сообщения дойдут, когда он его примет.",
    }
    html = await page(control, f"/chat/{parent}?peer={child}")
    assert "Запрос на переписку отправлен" in html and "ждёт ответа на запрос" in html
    incoming = await page(control, f"/chat/{child}?peer={parent}")
    assert "хочет начать с вами переписку" in incoming
    assert (await post(control, f"/chat/{child}/requests/{parent}", {"action": "accept"}))["ok"]
    assert "Привет" in await page(control, f"/chat/{child}?peer={parent}")
    role = await post(
        control, f"/chat/{IDS['guest-adult']}/send", {"peer_id": IDS["st03"], "text": "Привет"}
    )
    assert role["error"] == "Сначала подтвердите свою роль: без неё писать ученикам нельзя."


async def test_open_app_redirects_with_signed_launch_params(
    control: Control,
    community: Community,
    clock: ManualClock,
) -> None:
    await control.post(
        "/apps",
        {"app_id": 51000001, "url": "http://127.0.0.1:9/app?x=1", "secret": "sandbox-app-secret"},
        201,
    )
    me = IDS["smirnova"]
    base = control.root.removesuffix("/sandbox/api")
    async with control.http.get(
        f"{base}/chat/{me}/app/51000001?peer={-community.id}&owner_id={-community.id}&hash=grades",
        allow_redirects=False,
    ) as response:
        assert response.status == 302
        target = response.headers["Location"]
    parts = urlsplit(target)
    assert target.startswith("http://127.0.0.1:9/app?x=1&") and parts.fragment == "grades"
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    launch = verify_launch_params(query, "sandbox-app-secret", 3600, clock.now())
    assert (launch.user_id, launch.app_id, launch.group_id) == (me, 51000001, community.id)
    missing = await page(control, f"/chat/{me}/app/42")
    assert "не зарегистрировано" in missing


async def test_chat_page_hosts_mini_apps_in_a_frame_that_answers_vk_bridge(
    control: Control, vk: Vk, community: Community
) -> None:
    await control.post(
        "/apps",
        {
            "app_id": 51000001,
            "url": "http://127.0.0.1:9/",
            "secret": "sandbox-app-secret",
            "title": "Электронный журнал",
        },
        201,
    )
    me = IDS["st08"]
    await control.write(me, -community.id, "журнал")
    button = {"type": "open_app", "app_id": 51000001, "owner_id": -community.id, "label": "Открыть"}
    keyboard = json.dumps({"inline": True, "buttons": [[{"action": button}]]})
    await vk.call("messages.send", community.access_token, peer_id=me, random_id=0,
                  message="Журнал", keyboard=keyboard)  # fmt: skip
    html = await page(control, f"/chat/{me}?peer={-community.id}")
    # Without JavaScript the button is a plain link to the signed launch in a new tab; with it,
    # the frame over the chat opens it, titled with the app's registered name.
    assert f'href="/chat/{me}/app/51000001?peer={-community.id}' in html
    assert 'target="_blank" rel="noopener" data-kind="open_app"' in html
    assert 'data-app-title="Электронный журнал"' in html
    assert 'id="app-layer" hidden' in html and '<iframe class="app-frame" id="app-frame"' in html
    assert "Тёмная тема" in html and 'id="bridge-log"' in html
    host, chat = html.index("/static/vk_bridge_host.js"), html.index("/static/chat.js")
    assert host < chat  # chat.js hands open_app buttons to the host, which must exist by then
    base = control.root.removesuffix("/sandbox/api")
    async with control.http.get(base + "/static/vk_bridge_host.js") as response:
        assert response.status == 200
        assert response.content_type in ("text/javascript", "application/javascript")
        script = await response.text()
    for name in ("VKWebAppInitResult", "VKWebAppGetConfigResult", "VKWebAppUpdateConfig",
                 "vk-connect", "sandboxBridgeLog"):  # fmt: skip
        assert name in script, name


async def test_unknown_person_is_404(control: Control) -> None:
    await page(control, "/chat/1", status=404)
