"""The local PostgreSQL and Redis the region deployment is tested against.

Every session's machine and CI run both on 127.0.0.1 (issue 16). A test that needs one asks for
its fixture; where the server cannot be reached the test is skipped on a developer's machine and
FAILS in CI (``CI=true``), so the contract suite can never pass in CI by not running.
"""

from __future__ import annotations

import os
import socket
import sys

import pytest

POSTGRES_URL = os.environ.get("SFERUM_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SFERUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def require(name: str, host: str, port: int) -> None:
    """Skip (developer machine) or fail (CI) when the server is not listening."""
    if reachable(host, port):
        return
    message = f"{name} is not listening on {host}:{port}"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{message}; CI must run the backend contract tests", pytrace=False)
    pytest.skip(message)


def main() -> int:
    """``python -m tests.servers``: 0 when both servers listen; otherwise 1 in CI, where the
    region pass must run, and 2 on a developer's machine, where make test skips that pass."""
    from urllib.parse import urlsplit

    missing = [
        f"{name} ({parts.hostname}:{parts.port})"
        for name, parts, default in (
            ("PostgreSQL", urlsplit(POSTGRES_URL), 5432),
            ("Redis", urlsplit(REDIS_URL), 6379),
        )
        if not reachable(parts.hostname or "127.0.0.1", parts.port or default)
    ]
    if not missing:
        return 0
    print("Не отвечает: " + ", ".join(missing) + ".", file=sys.stderr)
    return 1 if os.environ.get("CI", "").lower() in {"1", "true", "yes"} else 2


if __name__ == "__main__":
    raise SystemExit(main())
