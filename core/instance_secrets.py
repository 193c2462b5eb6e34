"""Secrets an installation makes for itself, kept in its database.

The mini-app signs its session cookies with a key of its own: generated on first start, shared by
every process on the same database, and never derived from VK's secure key (whoever learns that
key must not be able to mint sessions). Configured values (``session_secret``) win over it.
"""

from __future__ import annotations

import secrets

from core.clock import Clock
from core.storage import Database

KEY_BYTES = 32


async def instance_secret(db: Database, name: str, clock: Clock) -> bytes:
    """The secret called ``name``, made now if this database has none yet. Two processes racing
    on first start agree: the first insert wins and both read it back."""
    await db.execute(
        "INSERT INTO instance_secrets (name, value, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO NOTHING",
        (name, secrets.token_hex(KEY_BYTES), clock.now().isoformat()),
    )
    value = await db.fetchval("SELECT value FROM instance_secrets WHERE name = ?", (name,))
    return bytes.fromhex(str(value))
