"""The sferum.toml the runtime tests start a school from: our side pointed at a sandbox VK."""

from __future__ import annotations

from pathlib import Path


def sferum_toml(tmp_path: Path, vk_api_url: str, rest: str) -> Path:
    """Write the config to ``tmp_path``: the [sferum] table pointed at ``vk_api_url`` with its
    database in ``tmp_path``; ``rest`` goes on from inside that table (more of its keys, then the
    [communities.*] tables)."""
    config = tmp_path / "sferum.toml"
    config.write_text(
        f"""
[sferum]
db_path = "{tmp_path / "sferum.db"}"
vk_api_url = "{vk_api_url}"
vk_app_secret = "Zq8rT2mXw4Lp9sVb6NcY"
miniapp_port = 0
rate_limit = 1000
{rest}""",
        encoding="utf-8",
    )
    return config
