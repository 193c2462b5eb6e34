"""The mini-app benches' VK app and the signed launch a client opens it with."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from core.vk.launch_params import sign_launch_params

APP_ID = 51_000_001
SECRET = "bench-app-secret"


def launch_query(vk_user_id: int, platform: str) -> str:
    """The query VK adds to the app's URL when this person opens it now, signed with SECRET."""
    params = {
        "vk_user_id": str(vk_user_id),
        "vk_app_id": str(APP_ID),
        # The server checks the signature's age against the real time: a bench runs on it.
        "vk_ts": str(int(time.time())),
        "vk_platform": platform,
        "vk_language": "ru",
        "vk_is_app_user": "1",
        "vk_access_token_settings": "",
    }
    params["sign"] = sign_launch_params(params, SECRET)
    return urlencode(params)
