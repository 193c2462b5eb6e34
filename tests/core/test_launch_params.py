"""VK Mini Apps launch parameters: VK's signing algorithm and the app-side verification."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.vk.launch_params import (
    InvalidLaunchParams,
    sign_launch_params,
    signed_string,
    verify_launch_params,
)

SECRET = "sandbox-app-secret"
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def launch(**extra: str) -> dict[str, str]:
    params = {
        "vk_user_id": "100001",
        "vk_app_id": "51000001",
        "vk_is_app_user": "1",
        "vk_are_notifications_enabled": "0",
        "vk_language": "ru",
        "vk_access_token_settings": "",
        "vk_platform": "desktop_web",
        "vk_ts": str(int(NOW.timestamp())),
        "vk_group_id": "200000001",
        "vk_viewer_group_role": "none",
        **extra,
    }
    return {**params, "sign": sign_launch_params(params, SECRET)}


def test_matches_vks_documented_example() -> None:
    # The example from VK's documentation on checking launch parameters.
    url = (
        "https://example.com/?vk_user_id=494075&vk_app_id=6736218&vk_is_app_user=1"
        "&vk_are_notifications_enabled=1&vk_language=ru&vk_access_token_settings="
        "&vk_platform=android&sign=htQFduJpLxz7ribXRZpDFUH-XEUhC9rBPTJkjUFEkRA"
    )
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    assert sign_launch_params(query, "wvl68m4dR1UpLrVRli") == query["sign"]


def test_round_trip_gives_the_launch() -> None:
    verified = verify_launch_params(launch(), SECRET, 3600, NOW)
    assert (verified.user_id, verified.app_id, verified.group_id) == (100001, 51000001, 200000001)
    assert verified.ts == NOW and verified.platform == "desktop_web" and verified.is_app_user
    assert verified.viewer_group_role == "none"


def test_only_vk_params_sorted_with_blanks_kept() -> None:
    params = {"vk_b": "2", "utm": "x", "vk_a": "", "sign": "whatever"}
    assert signed_string(params) == "vk_a=&vk_b=2"
    base = sign_launch_params({"vk_a": "1", "vk_b": "2"}, SECRET)
    assert sign_launch_params({"vk_b": "2", "vk_a": "1", "other": "x"}, SECRET) == base
    assert sign_launch_params({"vk_a": "1", "vk_b": "2", "vk_c": ""}, SECRET) != base


def test_space_is_percent_20() -> None:
    assert signed_string({"vk_ref": "a b", "vk_x": "1,2"}) == "vk_ref=a%20b&vk_x=1%2C2"


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=8).map(lambda k: "vk_" + k), st.text(max_size=20), max_size=6
    )
)
def test_sign_is_url_safe_base64_without_padding(params: dict[str, str]) -> None:
    sign = sign_launch_params(params, SECRET)
    assert len(sign) == 43
    assert not set(sign) & set("+/=")


@pytest.mark.parametrize(
    "key", ["vk_user_id", "vk_app_id", "vk_ts", "vk_group_id", "vk_access_token_settings"]
)
def test_any_change_breaks_the_sign(key: str) -> None:
    forged = {**launch(), key: "1"}
    with pytest.raises(InvalidLaunchParams, match="sign does not match"):
        verify_launch_params(forged, SECRET, 3600, NOW)


def test_wrong_secret_missing_sign_and_non_vk_params() -> None:
    with pytest.raises(InvalidLaunchParams, match="sign does not match"):
        verify_launch_params(launch(), "another-secret", 3600, NOW)
    unsigned = launch()
    del unsigned["sign"]
    with pytest.raises(InvalidLaunchParams, match="sign is missing"):
        verify_launch_params(unsigned, SECRET, 3600, NOW)
    # Parameters other than vk_* are not signed, so they may change freely.
    assert verify_launch_params({**launch(), "utm_source": "x"}, SECRET, 3600, NOW).user_id


def test_age_is_checked() -> None:
    assert verify_launch_params(launch(), SECRET, 3600, NOW + timedelta(seconds=3600))
    with pytest.raises(InvalidLaunchParams, match="too old"):
        verify_launch_params(launch(), SECRET, 3600, NOW + timedelta(seconds=3601))
    assert verify_launch_params(launch(), SECRET, 3600, NOW - timedelta(seconds=30))
    with pytest.raises(InvalidLaunchParams, match="future"):
        verify_launch_params(launch(), SECRET, 3600, NOW - timedelta(minutes=5))
    without_ts = {k: v for k, v in launch().items() if k not in ("vk_ts", "sign")}
    with pytest.raises(InvalidLaunchParams, match="vk_ts is missing"):
        verify_launch_params(
            {**without_ts, "sign": sign_launch_params(without_ts, SECRET)}, SECRET, 3600, NOW
        )


def test_sign_keys_sign_exactly_those_keys_in_that_order() -> None:
    params = {
        "vk_user_id": "7",
        "vk_app_id": "51000001",
        "vk_ts": str(int(NOW.timestamp())),
        "vk_platform": "mobile_web",
        "sign_keys": "vk_ts,vk_user_id,vk_app_id",
    }
    assert signed_string(params) == (f"vk_ts={params['vk_ts']}&vk_user_id=7&vk_app_id=51000001")
    signed = {**params, "sign": sign_launch_params(params, SECRET)}
    verified = verify_launch_params({**signed, "vk_platform": "changed"}, SECRET, 60, NOW)
    assert verified.user_id == 7
    assert "vk_platform" not in verified.raw and verified.platform == ""  # not signed: not trusted
    partial = {**params, "sign_keys": "vk_user_id,vk_app_id"}
    with pytest.raises(InvalidLaunchParams, match="vk_ts is not signed"):
        verify_launch_params(
            {**partial, "sign": sign_launch_params(partial, SECRET)}, SECRET, 60, NOW
        )


def test_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    verify_launch_params(launch(), SECRET, 3600, NOW)
    assert len(calls) == 1
