"""[communities] in sferum.toml: one VK community per bot (or several bots with a main one), each
with its own token; mistakes stop start-up with one line naming the key, never echoing a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.clock import ManualClock
from core.config import ConfigError, Settings, load_settings
from sferum.app import start
from sferum.testing import DEFAULT_START

KEY = "Zq8rT2mXw4Lp9sVb6NcY"  # 20 characters, like VK's secure keys
TOKEN = "vk1.a.secret-token-of-the-trainer"
GOOD = f"""
[sferum]
vk_app_secret = "{KEY}"

[communities.exam_trainer]
token = "{TOKEN}"
group_id = 101

[communities.school]
token = "vk1.a.school"
group_id = 102
plugins = ["pushkin_card", "rosobrnadzor_helper"]
main = "rosobrnadzor_helper"
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sferum.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _refused(tmp_path: Path, text: str, **env: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(env, _file(tmp_path, text))
    line = str(caught.value)
    assert "\n" not in line and TOKEN not in line
    return line


def test_each_community_with_its_token_plugins_and_main(tmp_path: Path) -> None:
    settings = load_settings({}, _file(tmp_path, GOOD))
    assert not settings.uses_sandbox
    trainer, school = settings.vk_communities()
    assert (trainer.name, trainer.group_id, trainer.token) == ("exam_trainer", 101, TOKEN)
    # One plugin by default, the one named like the table, and it is the main one.
    assert (trainer.plugins, trainer.main) == (("exam_trainer",), "exam_trainer")
    assert (school.plugins, school.main) == (
        ("pushkin_card", "rosobrnadzor_helper"),
        "rosobrnadzor_helper",
    )
    assert TOKEN not in repr(settings) and TOKEN not in repr(trainer)


def test_secrets_may_come_from_the_environment(tmp_path: Path) -> None:
    text = GOOD.replace(f'token = "{TOKEN}"\n', "")
    env = {"SFERUM_COMMUNITIES_EXAM_TRAINER_TOKEN": "vk1.a.from-env"}
    trainer = load_settings(env, _file(tmp_path, text)).vk_communities()[0]
    assert trainer.token == "vk1.a.from-env"
    line = _refused(tmp_path, text)
    assert "ключ communities.exam_trainer.token: нужно значение" in line
    assert "SFERUM_COMMUNITIES_EXAM_TRAINER_TOKEN" in line


def test_communities_beside_a_sferum_table_or_alone(tmp_path: Path) -> None:
    alone = f'vk_app_secret = "{KEY}"\n[communities.pushkin_card]\ntoken = "t"\ngroup_id = 5\n'
    settings = load_settings({}, _file(tmp_path, alone))
    assert [c.plugins for c in settings.vk_communities()] == [("pushkin_card",)]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("group_id = 102", "group_id = 101"), "ключ communities.school.group_id:"),
        (('main = "rosobrnadzor_helper"\n', ""), "укажите, какой из них отвечает на обычный текст"),
        (('main = "rosobrnadzor_helper"', 'main = "exam_trainer"'), "главным может быть только"),
        (
            ("group_id = 101", 'group_id = "сто один"'),
            "exam_trainer.group_id: ожидается целое число не меньше 1, задано 'сто один'",
        ),
        (
            ("group_id = 101", "group_id = 101\ncolour = 1"),
            "ключ communities.exam_trainer.colour: такой настройки нет",
        ),
        (('token = "vk1.a.school"', 'token = "' + TOKEN + '"'), "такой же ключ доступа"),
        (("[sferum]", '[sferum]\nvk_token = "x"'), "ключ vk_token: не используется вместе с"),
        (("[sferum]", '[sferum]\nbots = ["exam_trainer"]'), "plugins"),
    ],
)
def test_mistakes_name_the_key(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    old, new = change
    assert old in GOOD
    assert expected in _refused(tmp_path, GOOD.replace(old, new, 1))


def test_a_missing_token_is_named_and_other_secrets_are_not_echoed(tmp_path: Path) -> None:
    line = _refused(tmp_path, GOOD.replace(f'token = "{TOKEN}"', "token = 12345"))
    assert "ключ communities.exam_trainer.token: ожидается строка" in line
    assert "12345" not in line
    line = _refused(tmp_path, GOOD.replace("vk1.a.school", ""))
    assert "ключ communities.school.token: значение не может быть пустым" in line


def test_the_callback_api_wants_each_communitys_secret(tmp_path: Path) -> None:
    env = {"SFERUM_TRANSPORT": "callback"}
    line = _refused(tmp_path, GOOD, **env)
    assert line.startswith("communities.exam_trainer.callback_secret") and "не задан" in line
    text = GOOD.replace("group_id = 101", 'group_id = 101\ncallback_secret = "s3cret"')
    assert "это значение песочницы" in _refused(tmp_path, text, **env)
    secret = "a-long-callback-secret-1"
    text = GOOD.replace("group_id = 101", f'group_id = 101\ncallback_secret = "{secret}"')
    line = _refused(tmp_path, text, **env)
    assert line.startswith("communities.exam_trainer.callback_confirmation")
    assert secret not in line
    for name in ("EXAM_TRAINER", "SCHOOL"):
        env[f"SFERUM_COMMUNITIES_{name}_CALLBACK_SECRET"] = f"{secret}-{name}"
        env[f"SFERUM_COMMUNITIES_{name}_CALLBACK_CONFIRMATION"] = "abc123"
    settings = load_settings(env, _file(tmp_path, GOOD))
    assert [c.callback_secret for c in settings.vk_communities()] == [
        f"{secret}-EXAM_TRAINER",
        f"{secret}-SCHOOL",
    ]


async def test_one_token_for_several_bots_is_refused_with_the_way_out(tmp_path: Path) -> None:
    """The older vk_token/vk_group_id pair carried every bot in one community, where a student's
    «меню» met the counsellor's refusal: now it serves one bot, and says how to write more."""
    settings = Settings(
        db_path=str(tmp_path / "x.db"), vk_token="vk1.a.t", vk_group_id=7, vk_app_secret=KEY
    )
    with pytest.raises(ConfigError) as caught:
        await start(settings, clock=ManualClock(DEFAULT_START))
    line = str(caught.value)
    assert "\n" not in line and line.startswith("vk_token (SFERUM_VK_TOKEN")
    assert "[communities." in line and "main =" in line and 'bots = ["' in line


async def test_an_unknown_plugin_of_a_community_is_named(tmp_path: Path) -> None:
    text = GOOD.replace('"pushkin_card", ', '"pushkin", ')
    settings = load_settings({}, _file(tmp_path, text.replace('main = "rosobrnadzor_helper"',
                                                            'main = "pushkin"')))  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        await start(settings, clock=ManualClock(DEFAULT_START))
    line = str(caught.value)
    assert line.startswith("communities.school.plugins") and "«pushkin» не установлен" in line
