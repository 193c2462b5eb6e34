"""VK API versions: which ones the sandbox answers, and where an answer's shape changes with `v`.

VK keeps old versions working: a call answers in the shape of the `v` it names, and the Bots Long
Poll and Callback API send events in the shape of the api_version set for them. The sandbox does
the same for everything whose shape it knows to differ between the oldest version VK still
accepts and the newest one it serves. Versions are compared as numbers per part (5.92 < 5.103),
never as decimals.
"""

from __future__ import annotations

import re

from .errors import VkError

ApiVersion = tuple[int, int]

LATEST: ApiVersion = (5, 199)
LATEST_TEXT = "5.199"
# VK refuses anything older with error 8 (and has said so since 2021).
OLDEST: ApiVersion = (5, 81)

# From 5.103 the message_new object is {message, client_info}; before, the message itself.
MESSAGE_NEW_WITH_CLIENT_INFO: ApiVersion = (5, 103)
# From 5.194 groups.getById answers {groups, profiles}; before, the array of groups.
GROUPS_GET_BY_ID_OBJECT: ApiVersion = (5, 194)

_VERSION = re.compile(r"\s*(\d{1,3})(?:\.(\d{1,4}))?\s*")

MISSING_DETAIL = "v (version) is required"
# VK's own words for a version it no longer serves.
DEPRECATED_DETAIL = (
    'versions below 5.81 are deprecated. Version param should be passed as "v". '
    '"version" param is invalid and not supported. '
    "For more information go to https://vk.com/dev/constant_version_updates"
)


def parse(text: str | None) -> ApiVersion | None:
    """ "5.92" -> (5, 92); None for anything that is not a version."""
    if text is None:
        return None
    match = _VERSION.fullmatch(text)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2) or 0)


def text_of(version: ApiVersion) -> str:
    return f"{version[0]}.{version[1]}"


def of_request(text: str | None) -> ApiVersion:
    """The version a call is answered in, or VK's error 8 for a missing or retired one.

    A version newer than the newest the sandbox knows is answered as the newest, as VK answers
    a version from the future as its current one.
    """
    if text is None or not text.strip():
        raise VkError(8, MISSING_DETAIL)
    version = parse(text)
    if version is None or version < OLDEST:
        raise VkError(8, DEPRECATED_DETAIL)
    return min(version, LATEST)


def of_setting(text: str) -> ApiVersion | None:
    """An api_version for Long Poll or Callback API settings, if the sandbox can send events in
    it (from the oldest supported version to the newest); None otherwise."""
    version = parse(text)
    if version is None or not OLDEST <= version <= LATEST:
        return None
    return version
