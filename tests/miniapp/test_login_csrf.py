"""Login CSRF: a signed launch of another VK user never silently replaces a live session, and the
journal-code form says which account a code will be bound to and asks to confirm it.

The attack: someone opens the app themself, copies their own signed launch URL and gets a parent
to open it. Before, the parent's browser was then signed in as the attacker, and the journal code
she typed next bound her child to the attacker's VK account."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import urlencode

from core.clock import ManualClock
from core.demo.loader import DEMO_JOURNAL_CODE
from core.runtime.services import Services

from .conftest import BrowserFactory, launch_query, vk

ATTACKER = 900_777  # any VK account: the launch is genuinely signed by VK, for the attacker


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found is not None, f"no {name} field"
    return html.unescape(found[1])


def _set_cookie(response: object) -> str:
    return "; ".join(response.headers.getall("Set-Cookie", []))  # type: ignore[attr-defined]


def _linking(csrf: str) -> dict[str, str]:
    return {"code": DEMO_JOURNAL_CODE, "csrf": csrf, "confirm": "1"}


def _attackers_link(clock: ManualClock) -> str:
    return "/?" + urlencode(launch_query(ATTACKER, int(clock.now().timestamp())))


async def test_foreign_launch_asks_before_switching_and_the_code_stays_hers(
    open_as: BrowserFactory, services: Services, clock: ManualClock
) -> None:
    victim = await open_as("guest-adult")  # signed in, not linked yet: about to type her code
    response = await victim.get(_attackers_link(clock), allow_redirects=False)
    # Not a new session: a confirmation page, the cookie untouched.
    assert response.status == 303 and response.headers["Location"].startswith("/switch?to=")
    assert "Set-Cookie" not in response.headers
    ask = await victim.get(response.headers["Location"])
    assert ask.status == 200
    words = _text(await ask.text())
    assert "Вы вошли как" in words and f"VK id {vk('guest-adult')}" in words
    assert f"Продолжить как пользователь VK id {ATTACKER}?" in words
    assert 'action="/switch"' in await ask.text() and 'method="post"' in await ask.text()

    # She ignores it and types her code: it binds her own account, not the attacker's.
    form = await victim.get("/link")
    csrf = _field(await form.text(), "csrf")
    done = await victim.post("/link", data=_linking(csrf))
    assert done.status == 200 and "Готово!" in await done.text()
    bound = await services.db.fetchval(
        "SELECT vk_user_id FROM persons WHERE external_id = 'demo:person:pa11'"
    )
    assert bound == vk("guest-adult")
    assert (await services.people.person_by_vk(ATTACKER)) is None


async def test_switching_takes_a_post_with_the_sessions_csrf(
    open_as: BrowserFactory, clock: ManualClock
) -> None:
    browser = await open_as("st08")
    response = await browser.get(_attackers_link(clock), allow_redirects=False)
    ask = await (await browser.get(response.headers["Location"])).text()
    csrf, token = _field(ask, "csrf"), _field(ask, "to")
    # A GET of the page switches nothing, nor does a POST without the session's CSRF token.
    assert "Здравствуйте, Тимофей!" in await (await browser.get("/home")).text()
    assert (await browser.post("/switch", data={"to": token})).status == 403
    assert (await browser.post("/switch", data={"to": token, "csrf": "x" * 43})).status == 403
    assert (await browser.post("/switch", data={"to": token + "x", "csrf": csrf})).status == 400
    assert "Здравствуйте, Тимофей!" in await (await browser.get("/home")).text()

    switched = await browser.post(
        "/switch", data={"to": token, "csrf": csrf}, allow_redirects=False
    )
    assert switched.status == 303 and switched.headers["Location"] == "/home"
    assert "sferum_miniapp=" in _set_cookie(switched)
    assert "Как получить доступ к журналу" in await (await browser.get("/home")).text()


async def test_switch_token_is_for_its_own_session_and_short_lived(
    open_as: BrowserFactory, clock: ManualClock
) -> None:
    first = await open_as("st08")
    response = await first.get(_attackers_link(clock), allow_redirects=False)
    token = _field(await (await first.get(response.headers["Location"])).text(), "to")
    # Another browser (another session, its own valid CSRF token) cannot use it.
    other = await open_as("st09")
    other_csrf = _field(await (await other.get("/link")).text(), "csrf")
    refused = await other.post("/switch", data={"to": token, "csrf": other_csrf})
    assert refused.status == 400 and "Ссылка устарела" in await refused.text()
    assert (await other.get(f"/switch?to={token}")).status == 400
    # Its own browser, too late.
    csrf = _field(await (await first.get("/link")).text(), "csrf")
    clock.advance(timedelta(minutes=11))
    late = await first.post("/switch", data={"to": token, "csrf": csrf})
    assert late.status == 400


async def test_own_launch_refreshes_the_session_and_a_fresh_browser_signs_in(
    open_as: BrowserFactory, clock: ManualClock
) -> None:
    browser = await open_as("st08")
    again = await browser.launch(vk("st08"))  # VK's client opening the app again
    assert again.status == 303 and again.headers["Location"] == "/home"
    assert "sferum_miniapp=" in _set_cookie(again)
    # An expired session is no live session: the launch signs in whoever it is for.
    clock.advance(timedelta(hours=9))
    other = await browser.launch(vk("st09"))
    assert other.status == 303 and other.headers["Location"] == "/home"
    assert "sferum_miniapp=" in _set_cookie(other)


async def test_link_form_names_the_account_and_wants_it_confirmed(
    open_as: BrowserFactory, services: Services
) -> None:
    guest = await open_as("guest-adult")
    page = await (await guest.get("/link")).text()
    words = _text(page)
    person = await services.people.person_by_vk(vk("guest-adult"))
    shown = f"{person.full_name} (VK id {vk('guest-adult')})" if person and person.full_name \
        else f"пользователь VK id {vk('guest-adult')}"  # fmt: skip
    assert f"Вы вошли как {shown}" in words
    assert 'type="checkbox" name="confirm" value="1" required' in page
    csrf = _field(page, "csrf")
    # The right code without the confirmation: refused, and neither spent nor counted.
    unconfirmed = await guest.post("/link", data={"code": DEMO_JOURNAL_CODE, "csrf": csrf})
    assert unconfirmed.status == 400
    assert "Подтвердите, что код вводите вы" in _text(await unconfirmed.text())
    tried = await services.db.fetchval(
        "SELECT count(*) FROM verification_attempts WHERE vk_user_id = ?", (vk("guest-adult"),)
    )
    assert tried == 0  # (the demo's own redeemed codes are other people's attempts)
    done = await guest.post("/link", data=_linking(csrf))
    assert done.status == 200 and "Готово!" in await done.text()
