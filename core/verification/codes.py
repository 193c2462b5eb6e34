"""One-time e-journal codes: ``K7QM-4XPD``. Only a keyed hash is stored; Cyrillic look-alike
letters typed on a Russian keyboard are folded to their Latin twins.

A code has 40 bits: its plain SHA-256 (what was stored before) is reversed by trying them all in
hours, so a copy of the database would hand out every unused code. The stored value is an HMAC
with the installation's own secret (``instance_secrets``, name ``journal_codes``) over that plain
hash, marked ``k1:``; keying the old hash rather than the code lets rows stored before be
re-keyed in place (``rekey``), without knowing their codes.
"""

from __future__ import annotations

import hashlib
import hmac
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


KEYED_PREFIX = "k1:"


def code_hash(code: str) -> str:
    """The plain hash (the stored form of codes issued before keyed hashes)."""
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def rekey(key: bytes, plain_hash: str) -> str:
    """The keyed form of a plain hash."""
    return KEYED_PREFIX + hmac.new(key, plain_hash.encode(), hashlib.sha256).hexdigest()


def keyed_code_hash(key: bytes, code: str) -> str:
    """What is stored for ``code`` and looked up when someone types it."""
    return rekey(key, code_hash(code))
