"""Short school names for buttons: official names begin with the same long legal form
(«Муниципальное бюджетное общеобразовательное учреждение …»), so cut at VK's 40 characters
they would all look alike. The usual abbreviations keep the part that tells schools apart."""

from __future__ import annotations

import re

_OWNER = {"муниципальное": "М", "государственное": "Г", "частное": "Ч"}
_KIND = {"бюджетное": "Б", "автономное": "А", "казённое": "К", "казенное": "К"}
_LEGAL_FORM = re.compile(
    r"\b(муниципальное|государственное|частное)\s+(?:(бюджетное|автономное|казённое|казенное)\s+)?"
    r"общеобразовательное\s+учреждение\b",
    re.IGNORECASE,
)
_PHRASES = (
    (re.compile(r"\bсредняя\s+общеобразовательная\s+школа\b", re.IGNORECASE), "СОШ"),
    (re.compile(r"\bосновная\s+общеобразовательная\s+школа\b", re.IGNORECASE), "ООШ"),
    (re.compile(r"\bгорода\s+", re.IGNORECASE), "г. "),
)


def _legal_form(match: re.Match[str]) -> str:
    owner = _OWNER[match[1].lower()]
    kind = _KIND[match[2].lower()] if match[2] else ""
    return f"{owner}{kind}ОУ"


def short_name(name: str) -> str:
    """«Муниципальное автономное общеобразовательное учреждение «Лицей № 9» города Бердска»
    → «МАОУ «Лицей № 9» г. Бердска»; a name already short stays as it is."""
    text = _LEGAL_FORM.sub(_legal_form, " ".join(name.split()))
    for pattern, short in _PHRASES:
        text = pattern.sub(short, text)
    return text
