"""Guessing journal codes through the mini-app's form, as an attacker would: a burst of concurrent
posts by one account, and many accounts each staying under the per-user limit."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import timedelta

from core.clock import ManualClock
from core.demo.loader import DEMO_JOURNAL_CODE
from core.runtime.services import Services

from .conftest import Browser, BrowserFactory, vk


async def _csrf(browser: Browser) -> str:
    page = await (await browser.get("/link")).text()
    found = re.search(r'name="csrf" value="([^"]*)"', page)
    assert found is not None
    return html.unescape(found[1])


async def _try(browser: Browser, csrf: str, code: str) -> tuple[int, str]:
    response = await browser.post("/link", data={"code": code, "csrf": csrf, "confirm": "1"})
    return response.status, html.unescape(await response.text())


async def test_a_burst_of_guesses_checks_exactly_the_limit(
    open_as: BrowserFactory, services: Services
) -> None:
    guesser = await open_as("guest-adult")
    csrf = await _csrf(guesser)
    limit = services.verification.max_failures
    guesses = [f"AAAA-{n:04d}".replace("0", "A").replace("1", "B") for n in range(150)]
    answers = await asyncio.gather(*(_try(guesser, csrf, code) for code in guesses))
    checked = [text for status, text in answers if "Такого кода нет" in text]
    locked = [text for status, text in answers if "Слишком много неудачных попыток" in text]
    # Before, the limit was read before any of the burst was recorded: 8 of 150 were checked.
    assert len(checked) == limit and len(locked) == 150 - limit
    assert all(status == 400 for status, _ in answers)
    failures = await services.db.fetchval(
        "SELECT count(*) FROM verification_attempts WHERE vk_user_id = ? AND success = 0",
        (vk("guest-adult"),),
    )
    assert failures == limit
    # Locked means locked: even the right code waits.
    status, text = await _try(guesser, csrf, DEMO_JOURNAL_CODE)
    assert status == 400 and "Слишком много неудачных попыток" in text


async def test_many_accounts_trip_the_global_budget_then_a_code_still_verifies(
    open_as: BrowserFactory, services: Services, clock: ManualClock
) -> None:
    verification = services.verification
    per_user = verification.max_failures - 1  # each account stays under its own limit
    accounts = -(-verification.global_max_failures // per_user)
    browsers: list[tuple[Browser, str]] = []
    for n in range(accounts):
        browser = await open_as(None)
        assert (await browser.launch(800_000 + n)).status == 303
        browsers.append((browser, await _csrf(browser)))
    for n, (browser, csrf) in enumerate(browsers):
        for m in range(per_user):
            status, text = await _try(browser, csrf, f"ZZZZ-{n:02d}{m:02d}".replace("0", "Z"))
            assert status == 400
    # Everyone together failed too often: nobody's code is checked now, not even the right one.
    mother = await open_as("guest-adult")
    mother_csrf = await _csrf(mother)
    status, text = await _try(mother, mother_csrf, DEMO_JOURNAL_CODE)
    assert status == 400 and "слишком много попыток ввода кодов, попробуйте позже" in text
    fresh = await open_as(None)
    assert (await fresh.launch(899_999)).status == 303
    status, text = await _try(fresh, await _csrf(fresh), "QQQQ-QQQQ")
    assert "попробуйте позже" in text
    # A while later the failures have aged out and the (unspent) code verifies.
    clock.advance(verification.global_window + timedelta(seconds=1))
    status, text = await _try(mother, mother_csrf, DEMO_JOURNAL_CODE)
    assert status == 200 and "Готово!" in text
