"""The words a person types to find their way: «Начать», «меню», «помощь». Routing opens the main
plugin's menu on them, and nothing else (an answer to a broadcast, a search) may take them."""

from __future__ import annotations

import re

from core.plugins.spec import MenuReason

# Typed words that ask for the menu (compared as core.rules.Command compares them).
NAV_WORDS: dict[str, MenuReason] = {
    "начать": MenuReason.START,
    "старт": MenuReason.START,
    "start": MenuReason.START,
    "меню": MenuReason.MENU,
    "главное меню": MenuReason.MENU,
    "menu": MenuReason.MENU,
    "помощь": MenuReason.HELP,
    "помогите": MenuReason.HELP,
    "справка": MenuReason.HELP,
    "help": MenuReason.HELP,
}
_MAX_NAV = 40  # a longer text is never a navigation word


def nav_word(text: str | None) -> MenuReason | None:
    text = (text or "").strip()
    if not text or len(text) > _MAX_NAV:
        return None
    word = re.sub(r"[!?.,\s]+$", "", text).lstrip("/").casefold()
    return NAV_WORDS.get(" ".join(word.split()))
