"""Cutting a text longer than VK's message limit into parts, the way people write long messages.

VK refuses a message over 9,000 characters (error 914; the ``maxLength`` of messages.send's
``message`` in vendor/vk-api-schema) instead of shortening it, so a long text the bot sends on its
own (a reminder, a long relayed answer) has to go as several messages. A part ends where a
reader expects a pause: at a paragraph, else at a line, else after a sentence, else between words;
a word is cut only when a whole window holds no space at all. The whitespace at a cut is dropped
(VK would trim it anyway), nothing else is: joined, the parts are the text.
"""

from __future__ import annotations

import re

# What messages.send accepts. Not the 4,096 vkbottle's ``message.answer`` cuts at on its own: a
# text cut there would go as more messages than VK needs.
VK_MESSAGE_LIMIT = 9000

# Where a part may end, best first. Each pattern matches the whitespace at the cut: the part ends
# before it and the next one starts after it.
_BOUNDARIES = (
    re.compile(r"\n[ \t\r\f\v]*\n\s*"),  # a paragraph: an empty line
    re.compile(r"\n\s*"),  # a line
    re.compile(r"(?<=[.!?…;:])\s+"),  # after a sentence (or a clause)
    re.compile(r"\s+"),  # between words
)


def _cut(text: str, limit: int) -> tuple[int, int]:
    """Where the first part of ``text`` (longer than ``limit``) ends and the rest starts."""
    window = text[: limit + 1]  # whitespace right after the limit still ends a full part there
    for boundary in _BOUNDARIES:
        best: tuple[int, int] | None = None
        for match in boundary.finditer(window):
            if 0 < match.start() <= limit:
                best = (match.start(), match.end())
        # A boundary in the first half would leave a short part and one more message: a worse
        # kind of boundary further on is better, down to the spaces between words.
        if best is not None and (best[0] >= limit // 2 or boundary is _BOUNDARIES[-1]):
            return best
    return limit, limit  # one long "word" (a link, a row of symbols): no way around cutting it


def split_text(text: str, limit: int = VK_MESSAGE_LIMIT) -> list[str]:
    """The parts of ``text``, each at most ``limit`` characters and none empty; a text that fits
    is one part as it is, a blank one no part at all."""
    if limit < 1:
        raise ValueError("limit must be positive")
    if not text.strip():
        return []
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text.lstrip()
    while len(rest) > limit:
        end, start = _cut(rest, limit)
        part = rest[:end].rstrip()
        if part:
            parts.append(part)
        rest = rest[start:].lstrip()
    if rest.strip():
        parts.append(rest)
    return parts
