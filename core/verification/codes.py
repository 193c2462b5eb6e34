"""One-time e-journal codes: ``K7QM-4XPD``. Only a hash is stored; Cyrillic look-alike letters
typed on a Russian keyboard are folded to their Latin twins."""

from __future__ import annotations

import hashlib
import re
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
_LOOKALIKES = str.maketrans("АВЕКМНОРСТХУавекмнорстху", "ABEKMHOPCTXYABEKMHOPCTXY")
_SHAPE = re.compile(r"^[A-Z0-9]{8}$")


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalise(text: str) -> str:
    return re.sub(r"[\s\-–—]", "", text.translate(_LOOKALIKES)).upper()


def looks_like_code(text: str) -> bool:
    return bool(_SHAPE.match(normalise(text)))


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()
