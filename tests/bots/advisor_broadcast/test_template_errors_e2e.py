"""A counsellor's mistake in a broadcast text is explained in Russian, through the sandbox."""

from __future__ import annotations

import re
from pathlib import Path

from bots.advisor_broadcast import plugin
from sferum.testing import bot_harness

from .helpers import compose_to

ENGLISH = re.compile(r"\b(Encountered|unknown|tag|Jinja|expected|template|block|statement)\b")


async def test_a_russian_tag_and_an_unclosed_condition_are_explained(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        volkova = await compose_to(h, "volkova", "Все родители")

        await h.say(volkova, "Здравствуйте!\n{% для каждого %}приходите{% конец %}")
        reply = h.last_reply(volkova)["text"]
        assert "строка 2: команды «{% для %}» нет" in reply, reply
        assert not ENGLISH.search(reply), reply

        await h.say(
            volkova, "{{ first_name }}, собрание\n{% if child_name %}\nвозьмите {{ child_name }}"
        )
        reply = h.last_reply(volkova)["text"]
        assert "строка 2: условие «{% if … %}» не закрыто" in reply and "{% endif %}" in reply
        assert not ENGLISH.search(reply), reply

        await h.say(volkova, "Здравствуйте, {{ имя }}!")
        reply = h.last_reply(volkova)["text"]
        assert "поля «{{ имя }}» нет" in reply and "{{ first_name }}" in reply

        # Corrected, the text goes on to the preview.
        await h.say(volkova, "{{ first_name }}, собрание в четверг")
        assert "Так рассылку увидит получатель" in h.last_reply(volkova)["text"]
