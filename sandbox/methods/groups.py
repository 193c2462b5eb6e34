"""groups.*: the community itself, its Bots Long Poll server and its Callback API servers."""

from __future__ import annotations

from typing import Any

from .. import api_version
from ..errors import VkError, param_error
from ..events import MESSAGE_EVENT_TYPES
from ..params import Params
from ..records import COMMUNITY_TOKEN_RIGHTS, Community
from ..render import group_object
from .base import CallContext, Method


def get_by_id(ctx: CallContext, params: Params) -> dict[str, Any] | list[dict[str, Any]]:
    """From 5.194 {groups, profiles}; at older versions the array of groups itself."""
    wanted = params.strings("group_ids") or params.strings("group_id")
    fields = frozenset(params.strings("fields"))
    found: list[Community] = []
    if not wanted:
        found.append(ctx.community())
    for name in wanted:
        key = name.removeprefix("club").removeprefix("public")
        community = ctx.state.communities.get(int(key)) if key.isdigit() else None
        if community is None:
            raise param_error("group_ids is invalid")
        found.append(community)
    groups = [group_object(c, fields) for c in found]
    if ctx.version < api_version.GROUPS_GET_BY_ID_OBJECT:
        return groups
    return {"groups": groups, "profiles": []}


def get_token_permissions(ctx: CallContext, params: Params) -> dict[str, Any]:
    """The caller's rights: VK lists only the granted ones, each with its bit."""
    ctx.community()
    granted = [
        {"name": name, "setting": bit}
        for name, bit in COMMUNITY_TOKEN_RIGHTS.items()
        if ctx.rights & bit
    ]
    return {"mask": ctx.rights, "permissions": granted}


def get_long_poll_server(ctx: CallContext, params: Params) -> dict[str, Any]:
    params.required_integer("group_id")
    community = ctx.own_group(params)
    if not community.longpoll_enabled:
        raise VkError(100, "Bots Long Poll is disabled for this community")
    now = ctx.state.clock.now().timestamp()
    return {
        "key": community.events.issue_key(now),
        "server": f"{ctx.base_url}/whp/{community.id}",
        "ts": str(community.events.next_ts),
    }


def _toggles(params: Params) -> dict[str, bool]:
    return {name: params.flag(name) for name in MESSAGE_EVENT_TYPES if name in params}


def _api_version(params: Params) -> str | None:
    """The api_version a settings call chose, checked; None when it names none."""
    text = params.text("api_version")
    if not text:
        return None
    version = api_version.of_setting(text)
    if version is None:
        raise param_error("api_version is invalid")
    return api_version.text_of(version)


def set_long_poll_settings(ctx: CallContext, params: Params) -> int:
    params.required_integer("group_id")
    community = ctx.own_group(params)
    version = _api_version(params)
    if version is not None:
        # Events already logged are sent in the new format too: VK shapes them when sending.
        community.events.api_version = version
    if "enabled" in params:
        community.longpoll_enabled = params.flag("enabled")
    for name, on in _toggles(params).items():
        (community.event_types.add if on else community.event_types.discard)(name)
    return 1


# Every event VK lists in groups_long_poll_events; the sandbox publishes the message_* ones.
ALL_EVENT_TYPES = [
    "audio_new",
    "board_post_delete",
    "board_post_edit",
    "board_post_new",
    "board_post_restore",
    "group_change_photo",
    "group_change_settings",
    "group_join",
    "group_leave",
    "group_officers_edit",
    "market_comment_delete",
    "market_comment_edit",
    "market_comment_new",
    "market_comment_restore",
    "message_allow",
    "message_deny",
    "message_new",
    "message_read",
    "message_reply",
    "message_typing_state",
    "message_edit",
    "photo_comment_delete",
    "photo_comment_edit",
    "photo_comment_new",
    "photo_comment_restore",
    "photo_new",
    "poll_vote_new",
    "user_block",
    "user_unblock",
    "video_comment_delete",
    "video_comment_edit",
    "video_comment_new",
    "video_comment_restore",
    "video_new",
    "message_reaction_event",
    "wall_post_new",
    "wall_reply_delete",
    "wall_reply_edit",
    "wall_reply_new",
    "wall_reply_restore",
    "wall_repost",
    "wall_schedule_post_new",
    "wall_schedule_post_delete",
    "donut_subscription_create",
    "donut_subscription_prolonged",
    "donut_subscription_cancelled",
    "donut_subscription_expired",
    "donut_subscription_price_changed",
    "donut_money_withdraw",
    "donut_money_withdraw_error",
    "message_event",
]


def get_long_poll_settings(ctx: CallContext, params: Params) -> dict[str, Any]:
    params.required_integer("group_id")
    community = ctx.own_group(params)
    return {
        "is_enabled": community.longpoll_enabled,
        "api_version": community.events.api_version,
        "events": {name: int(name in community.event_types) for name in ALL_EVENT_TYPES},
    }


def add_callback_server(ctx: CallContext, params: Params) -> dict[str, Any]:
    params.required_integer("group_id")
    community = ctx.own_group(params)
    url = params.required_text("url")
    if not url.startswith(("http://", "https://")):
        raise param_error("url is invalid")
    server = ctx.callback.add_server(
        community, url, params.text("title") or "sandbox", params.text("secret_key") or ""
    )
    # VK checks the address shortly after with the confirmation handshake (on the next tick).
    return {"server_id": server.id}


def edit_callback_server(ctx: CallContext, params: Params) -> int:
    params.required_integer("group_id")
    community = ctx.own_group(params)
    server = ctx.callback.server(community, params.required_integer("server_id"))
    if server is None:
        raise param_error("server_id is invalid")
    url = params.required_text("url")
    if not url.startswith(("http://", "https://")):
        raise param_error("url is invalid")
    server.url = url
    server.title = params.text("title") or server.title
    if "secret_key" in params:
        server.secret = params.text("secret_key") or ""
    ctx.callback.reconfirm(server)
    return 1


def get_callback_settings(ctx: CallContext, params: Params) -> dict[str, Any]:
    params.required_integer("group_id")
    community = ctx.own_group(params)
    server = ctx.callback.server(community, params.required_integer("server_id"))
    if server is None:
        raise param_error("server_id is invalid")
    chosen = server.event_types if server.event_types is not None else community.event_types
    return {
        "api_version": server.api_version,
        "events": {name: int(name in chosen) for name in ALL_EVENT_TYPES},
    }


def get_callback_confirmation_code(ctx: CallContext, params: Params) -> dict[str, Any]:
    params.required_integer("group_id")
    return {"code": ctx.own_group(params).confirmation_code}


def get_callback_servers(ctx: CallContext, params: Params) -> dict[str, Any]:
    params.required_integer("group_id")
    community = ctx.own_group(params)
    wanted = set(params.integers("server_ids") or [])
    items = [
        s.as_json()
        for s in ctx.callback.servers.get(community.id, [])
        if not wanted or s.id in wanted
    ]
    return {"count": len(items), "items": items}


def delete_callback_server(ctx: CallContext, params: Params) -> int:
    params.required_integer("group_id")
    community = ctx.own_group(params)
    if not ctx.callback.remove_server(community, params.required_integer("server_id")):
        raise param_error("server_id is invalid")
    return 1


def set_callback_settings(ctx: CallContext, params: Params) -> int:
    params.required_integer("group_id")
    community = ctx.own_group(params)
    server_id = params.integer("server_id")
    servers = ctx.callback.servers.get(community.id, [])
    targets = [s for s in servers if server_id is None or s.id == server_id]
    if server_id is not None and not targets:
        raise param_error("server_id is invalid")
    toggles = _toggles(params)
    version = _api_version(params)
    for server in targets:
        if version is not None:
            server.api_version = version
        chosen = set(server.event_types if server.event_types is not None else MESSAGE_EVENT_TYPES)
        for name, on in toggles.items():
            (chosen.add if on else chosen.discard)(name)
        server.event_types = chosen
    return 1


GROUP_METHODS: dict[str, Method] = {
    "groups.getById": get_by_id,
    "groups.getTokenPermissions": get_token_permissions,
    "groups.getLongPollServer": get_long_poll_server,
    "groups.getLongPollSettings": get_long_poll_settings,
    "groups.setLongPollSettings": set_long_poll_settings,
    "groups.addCallbackServer": add_callback_server,
    "groups.editCallbackServer": edit_callback_server,
    "groups.getCallbackSettings": get_callback_settings,
    "groups.getCallbackConfirmationCode": get_callback_confirmation_code,
    "groups.getCallbackServers": get_callback_servers,
    "groups.deleteCallbackServer": delete_callback_server,
    "groups.setCallbackSettings": set_callback_settings,
}
