"""The JSON control API under /sandbox/api/: create communities and people, act as a person,
read what a person sees, press buttons, inject faults, read counters. Documented in README.md."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from aiohttp import web

from .api_http import dumps
from .errors import VkError
from .records import (
    COMMUNITY_TOKEN_RIGHTS,
    Community,
    Conversation,
    MiniApp,
    Profile,
    User,
    is_chat_peer,
)
from .render import message_object
from .runtime import RUNTIME, SandboxRuntime

MAX_BULK = 1_000_000


class BadRequest(Exception):
    pass


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=dumps(data), status=status, content_type="application/json")


def _problem(status: int, message: str, code: int | None = None) -> web.Response:
    error: dict[str, Any] = {"error_msg": message}
    if code is not None:
        error = {"error_code": code, **error}
    return _json({"error": error}, status)


def vk_problem(error: VkError) -> web.Response:
    status = 403 if error.code in (15, 901, 917, 987, 988) else 400
    return _problem(status, error.message, error.code)


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    try:
        data = await request.json()
    except ValueError:
        raise BadRequest("the body must be JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data


def _int(data: dict[str, Any], name: str, default: int | None = None) -> int:
    value = data.get(name, default)
    if value is None:
        raise BadRequest(f"{name} is required")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be an integer") from None


def _optional_int(data: dict[str, Any], name: str) -> int | None:
    return None if data.get(name) is None else _int(data, name)


def _required_text(data: dict[str, Any], name: str) -> str:
    text = str(data.get(name) or "").strip()
    if not text:
        raise BadRequest(f"{name} is required")
    return text


@contextmanager
def _refused_as_bad_request(
    errors: tuple[type[Exception], ...] = (ValueError,),
) -> Iterator[None]:
    """The state refuses what it cannot do (a taken id, a value out of range) with a
    ValueError; through the control API that is the caller's mistake: 400 in the state's words."""
    try:
        yield
    except errors as exc:
        raise BadRequest(str(exc)) from None


def _runtime(request: web.Request) -> SandboxRuntime:
    return request.app[RUNTIME]


def _user(request: web.Request, key: str = "user_id") -> User:
    try:
        user = _runtime(request).state.users.get(int(request.match_info[key]))
    except ValueError:
        user = None
    if user is None:
        raise web.HTTPNotFound(
            text=dumps({"error": {"error_msg": "no such user"}}).decode(),
            content_type="application/json",
        )
    return user


def _community(runtime: SandboxRuntime, group_id: int) -> Community:
    community = runtime.state.communities.get(group_id)
    if community is None:
        raise web.HTTPNotFound(
            text=dumps({"error": {"error_msg": "no such community"}}).decode(),
            content_type="application/json",
        )
    return community


def _path_community(request: web.Request) -> tuple[SandboxRuntime, Community]:
    """The runtime, and the community the path's {group_id} names (404 when there is none)."""
    runtime = _runtime(request)
    return runtime, _community(runtime, _int(dict(request.match_info), "group_id"))


def handles_errors(handler: Any) -> Any:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)  # type: ignore[no-any-return]
        except BadRequest as exc:
            return _problem(400, str(exc))
        except VkError as exc:
            return vk_problem(exc)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


# -- communities -------------------------------------------------------------------------------


def community_json(community: Community) -> dict[str, Any]:
    return {
        "group_id": community.id,
        "name": community.name,
        "access_token": community.access_token,
        "confirmation_code": community.confirmation_code,
        "longpoll_enabled": community.longpoll_enabled,
        "event_types": sorted(community.event_types),
        "messages_enabled": community.messages_enabled,
    }


@handles_errors
async def list_communities(request: web.Request) -> web.Response:
    communities = _runtime(request).state.communities.values()
    return _json({"items": [community_json(c) for c in communities]})


@handles_errors
async def create_community(request: web.Request) -> web.Response:
    data = await _body(request)
    name = _required_text(data, "name")
    group_id = _optional_int(data, "group_id")
    with _refused_as_bad_request():
        community = _runtime(request).state.create_community(
            name, group_id, data.get("access_token") or None
        )
    return _json({"group_id": community.id, "access_token": community.access_token}, 201)


@handles_errors
async def get_community(request: web.Request) -> web.Response:
    _, community = _path_community(request)
    return _json(community_json(community))


@handles_errors
async def community_settings(request: web.Request) -> web.Response:
    runtime, community = _path_community(request)
    data = await _body(request)
    if "longpoll" in data:
        community.longpoll_enabled = bool(data["longpoll"])
    if "messages" in data:
        community.messages_enabled = bool(data["messages"])
    for name, on in (data.get("events") or {}).items():
        (community.event_types.add if on else community.event_types.discard)(str(name))
    if runtime.state.journal is not None:
        runtime.state.journal.community(community)
    return _json(community_json(community))


@handles_errors
async def create_token(request: web.Request) -> web.Response:
    """Another token of the community with only the rights named (all of them when omitted)."""
    runtime, community = _path_community(request)
    data = await _body(request)
    names = data.get("rights", list(COMMUNITY_TOKEN_RIGHTS))
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise BadRequest("rights must be a list of right names")
    unknown = sorted(set(names) - set(COMMUNITY_TOKEN_RIGHTS))
    if unknown:
        raise BadRequest(
            f"unknown rights {', '.join(unknown)}; known: {', '.join(COMMUNITY_TOKEN_RIGHTS)}"
        )
    mask = sum(COMMUNITY_TOKEN_RIGHTS[name] for name in set(names))
    with _refused_as_bad_request():
        token = runtime.state.add_community_token(community, mask, data.get("access_token") or None)
    granted = [name for name, bit in COMMUNITY_TOKEN_RIGHTS.items() if mask & bit]
    return _json(
        {"group_id": community.id, "access_token": token, "mask": mask, "rights": granted}, 201
    )


@handles_errors
async def set_callback(request: web.Request) -> web.Response:
    """Register a Callback API server and run VK's confirmation handshake against it."""
    runtime, community = _path_community(request)
    data = await _body(request)
    url = str(data.get("url") or "")
    if not url.startswith(("http://", "https://")):
        raise BadRequest("url must be an http(s) URL")
    server = runtime.callback.add_server(
        community, url, str(data.get("title") or "sandbox"), str(data.get("secret") or "")
    )
    confirmed = await runtime.callback.confirm(server)
    return _json(
        {
            "server_id": server.id,
            "status": server.status,
            "confirmed": confirmed,
            "confirmation_code": community.confirmation_code,
        },
        201,
    )


@handles_errors
async def get_callback(request: web.Request) -> web.Response:
    runtime, community = _path_community(request)
    servers = runtime.callback.servers.get(community.id, [])
    ids = {s.id for s in servers}
    return _json(
        {
            "servers": [s.as_json() for s in servers],
            "queued": sum(1 for d in runtime.callback.queue if d.server.id in ids),
            "attempts": [
                {
                    "server_id": a.server_id,
                    "type": a.event_type,
                    "retry": a.attempt,
                    "at": a.at,
                    "outcome": a.outcome,
                }
                for a in runtime.callback.history[-100:]
                if a.server_id in ids
            ],
        }
    )


@handles_errors
async def longpoll_fail(request: web.Request) -> web.Response:
    """Make the next long poll answer failed=2 (keys expired) or failed=3 (information lost)."""
    _, community = _path_community(request)
    code = _int(await _body(request), "code")
    if code == 2:
        community.events.expire_keys()
    elif code == 3:
        community.events.lose_information()
    else:
        raise BadRequest("code must be 2 or 3 (failed=1 comes from an old ts)")
    return _json({"ok": True})


# -- users -------------------------------------------------------------------------------------


def _profile(data: dict[str, Any]) -> Profile | None:
    keys = (
        "role",
        "roles",
        "birth_date",
        "is_adult",
        "phone",
        "org_ids",
        "group_ids",
        "contacts",
        "children",
        "title",
    )
    if not any(key in data for key in keys):
        return None
    roles = data.get("roles") or ([data["role"]] if data.get("role") else [])
    roles = [r for r in roles if r != "none"]
    if any(r not in ("staff", "parent", "student") for r in roles):
        raise BadRequest("role must be staff, parent, student or none")
    try:
        born = date.fromisoformat(data["birth_date"]) if data.get("birth_date") else None
        return Profile(
            roles=tuple(roles),
            birth_date=born,
            is_adult=None if data.get("is_adult") is None else bool(data["is_adult"]),
            phone=data.get("phone"),
            org_ids={str(x) for x in data.get("org_ids") or ()},
            group_ids={str(x) for x in data.get("group_ids") or ()},
            contacts={int(x) for x in data.get("contacts") or ()},
            children={int(x) for x in data.get("children") or ()},
            title=str(data.get("title") or ""),
        )
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"bad profile field: {exc}") from None


def user_json(user: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "user_id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
    }
    if user.profile is not None:
        data["profile"] = user.profile.as_dict()
    if user.chat_peers:
        data["chats"] = sorted(user.chat_peers)
    return data


@handles_errors
async def create_user(request: web.Request) -> web.Response:
    data = await _body(request)
    first = _required_text(data, "first_name")
    user_id = _optional_int(data, "user_id")
    with _refused_as_bad_request():
        user = _runtime(request).state.create_user(
            first, str(data.get("last_name") or ""), user_id, _profile(data)
        )
    return _json({"user_id": user.id, "access_token": user.access_token}, 201)


@handles_errors
async def create_users_bulk(request: web.Request) -> web.Response:
    """Many users at once, optionally having allowed a community (broadcast audiences)."""
    runtime = _runtime(request)
    data = await _body(request)
    count = _int(data, "count")
    if not 1 <= count <= MAX_BULK:
        raise BadRequest(f"count must be between 1 and {MAX_BULK}")
    group_id = data.get("allow_group_id")
    if group_id is not None:
        _community(runtime, _int(data, "allow_group_id"))
    first, last = runtime.state.create_users_bulk(
        count,
        str(data.get("first_name") or "Ученик"),
        str(data.get("last_name") or "Тестовый"),
        int(group_id) if group_id is not None else None,
    )
    return _json({"first_user_id": first, "last_user_id": last}, 201)


@handles_errors
async def list_users(request: web.Request) -> web.Response:
    users = _runtime(request).state.users
    limit = min(_int(dict(request.query), "limit", 200), 10_000)
    offset = _int(dict(request.query), "offset", 0)
    chosen = [users[uid] for uid in sorted(users)[offset : offset + limit]]
    return _json({"count": len(users), "items": [user_json(u) for u in chosen]})


@handles_errors
async def get_user(request: web.Request) -> web.Response:
    return _json(user_json(_user(request)))


@handles_errors
async def user_writes(request: web.Request) -> web.Response:
    """A person writes; to a community the peer is minus its group id."""
    runtime = _runtime(request)
    user = _user(request)
    data = await _body(request)
    payload = data.get("payload")
    if payload is not None and not isinstance(payload, str):
        payload = json.dumps(payload, ensure_ascii=False)
    via = data.get("via", "id")
    if via not in ("id", "phone"):
        raise BadRequest("via must be id or phone")
    message = runtime.messenger.send_from_user(
        user,
        _int(data, "peer_id"),
        str(data.get("text") or ""),
        payload=payload,
        via=via,
        from_keyboard=bool(data.get("from_keyboard")),
        attachment=data.get("attachment"),
    )
    return _json({"message_id": message.id, "conversation_message_id": message.cmid}, 201)


@handles_errors
async def user_calls(request: web.Request) -> web.Response:
    """A person made a call in a chat or a dialog: a message with a "call" attachment."""
    runtime = _runtime(request)
    user = _user(request)
    data = await _body(request)
    video = data.get("video", False)
    if not isinstance(video, bool):
        raise BadRequest("video must be true or false")
    message = runtime.messenger.call(
        user,
        _int(data, "peer_id"),
        duration=_int(data, "duration", 0),
        video=video,
        end_state=str(data.get("state") or "reached"),
    )
    return _json({"message_id": message.id, "conversation_message_id": message.cmid}, 201)


def conversation_view(
    runtime: SandboxRuntime, user: User, conv: Conversation, count: int = 200
) -> dict[str, Any]:
    peer_id = conv.peer_for(user.id)
    view: dict[str, Any] = {
        "peer_id": peer_id,
        "title": peer_title(runtime, peer_id),
        "count": len(conv.messages),
        "items": [message_object(m, user.id) for m in conv.messages[-count:]],
        "keyboard": conv.keyboard,
    }
    return view


def peer_title(runtime: SandboxRuntime, peer_id: int) -> str:
    state = runtime.state
    if is_chat_peer(peer_id):
        chat = state.chats.get(peer_id)
        return chat.title if chat else str(peer_id)
    if peer_id < 0:
        community = state.communities.get(-peer_id)
        return community.name if community else str(peer_id)
    user = state.users.get(peer_id)
    return user.full_name if user else str(peer_id)


@handles_errors
async def user_messages(request: web.Request) -> web.Response:
    runtime = _runtime(request)
    user = _user(request)
    peer_id = _int(dict(request.query), "peer_id")
    count = min(_int(dict(request.query), "count", 200), 10_000)
    conv = runtime.state.conversation_for(user.id, peer_id)
    if conv is None:
        return _json(
            {
                "peer_id": peer_id,
                "title": peer_title(runtime, peer_id),
                "count": 0,
                "items": [],
                "keyboard": None,
            }
        )
    return _json(conversation_view(runtime, user, conv, count))


@handles_errors
async def user_conversations(request: web.Request) -> web.Response:
    runtime = _runtime(request)
    user = _user(request)
    items: list[dict[str, Any]] = []
    for peer_id, conv in (user.conversations or {}).items():
        last = conv.messages[-1] if conv.messages else None
        items.append(
            {
                "peer_id": peer_id,
                "title": peer_title(runtime, peer_id),
                "count": len(conv.messages),
                "last_message": message_object(last, user.id) if last else None,
            }
        )
    items.sort(key=lambda item: -(item["last_message"] or {}).get("date", 0))
    return _json({"version": user.version, "items": items})


@handles_errors
async def press_button(request: web.Request) -> web.Response:
    """Press a callback button: by payload or label, on a given message or the latest one."""
    runtime = _runtime(request)
    user = _user(request)
    data = await _body(request)
    cmid = data.get("conversation_message_id")
    try:
        event = runtime.messenger.press_callback(
            user,
            _int(data, "peer_id"),
            cmid=int(cmid) if cmid is not None else None,
            payload=data.get("payload"),
            label=data.get("label"),
        )
    except LookupError as exc:
        return _problem(404, str(exc))
    return _json({"event_id": event.event_id}, 201)


@handles_errors
async def button_answer(request: web.Request) -> web.Response:
    runtime = _runtime(request)
    user = _user(request)
    event = runtime.state.button_events.get(request.match_info["event_id"])
    if event is None or event.user_id != user.id:
        return _problem(404, "no such event")
    return _json(
        {"event_id": event.event_id, "answered": event.answered, "event_data": event.answer}
    )


async def _allow_or_deny(request: web.Request, allow: bool) -> web.Response:
    runtime = _runtime(request)
    user = _user(request)
    community = _community(runtime, _int(await _body(request), "group_id"))
    (runtime.messenger.allow if allow else runtime.messenger.deny)(user, community)
    return _json({"ok": True})


@handles_errors
async def user_allows(request: web.Request) -> web.Response:
    return await _allow_or_deny(request, True)


@handles_errors
async def user_denies(request: web.Request) -> web.Response:
    return await _allow_or_deny(request, False)


def _request_json(runtime: SandboxRuntime, sender: int, recipient: int) -> dict[str, Any]:
    request = runtime.state.requests[(sender, recipient)]
    return {
        "sender_id": sender,
        "sender_name": peer_title(runtime, sender),
        "recipient_id": recipient,
        "recipient_name": peer_title(runtime, recipient),
        "status": request.status,
        "created": request.created,
        "messages": [{"text": p.text, "date": p.date} for p in request.messages],
    }


def requests_view(runtime: SandboxRuntime, user: User) -> dict[str, Any]:
    incoming, outgoing = [], []
    for sender, recipient in runtime.state.requests:
        if recipient == user.id:
            incoming.append(_request_json(runtime, sender, recipient))
        elif sender == user.id:
            outgoing.append(_request_json(runtime, sender, recipient))
    return {"incoming": incoming, "outgoing": outgoing}


@handles_errors
async def message_requests(request: web.Request) -> web.Response:
    return _json(requests_view(_runtime(request), _user(request)))


@handles_errors
async def answer_message_request(request: web.Request) -> web.Response:
    runtime = _runtime(request)
    user = _user(request)
    sender_id = _int(dict(request.match_info), "sender_id")
    action = (await _body(request)).get("action")
    if action not in ("accept", "decline"):
        raise BadRequest("action must be accept or decline")
    try:
        runtime.messenger.answer_request(user, sender_id, action == "accept")
    except KeyError:
        return _problem(404, "no pending request from this sender")
    return _json(_request_json(runtime, sender_id, user.id))


# -- chats, apps -------------------------------------------------------------------------------


def chat_json(runtime: SandboxRuntime, peer_id: int) -> dict[str, Any]:
    chat = runtime.state.chats[peer_id]
    return {
        "peer_id": chat.peer_id,
        "chat_id": chat.chat_id,
        "title": chat.title,
        "admin_id": chat.admin_id,
        "user_ids": sorted(chat.members),
        "group_ids": sorted(chat.communities),
        "admin_group_ids": sorted(chat.admin_communities),
    }


def _member_lists(
    runtime: SandboxRuntime, data: dict[str, Any]
) -> tuple[list[int], list[int], list[int]]:
    """user_ids, group_ids and admin_group_ids (communities that join as admins of the chat)."""
    try:
        users = [int(u) for u in data.get("user_ids") or ()]
        groups = [int(g) for g in data.get("group_ids") or ()]
        admins = [int(g) for g in data.get("admin_group_ids") or ()]
    except (TypeError, ValueError):
        raise BadRequest(
            "user_ids, group_ids and admin_group_ids must be lists of integers"
        ) from None
    unknown = [u for u in users if u not in runtime.state.users]
    unknown += [-g for g in (*groups, *admins) if g not in runtime.state.communities]
    if unknown:
        raise BadRequest(f"unknown members: {unknown}")
    return users, groups, admins


@handles_errors
async def create_chat(request: web.Request) -> web.Response:
    runtime = _runtime(request)
    data = await _body(request)
    title = str(data.get("title") or "").strip()
    if not title:
        raise BadRequest("title is required")
    users, groups, admins = _member_lists(runtime, data)
    groups += [g for g in admins if g not in groups]
    peer_id = _int(data, "peer_id") if data.get("peer_id") is not None else None
    admin = users[0] if users else (-groups[0] if groups else 0)
    with _refused_as_bad_request():
        # Posts the chat_create service message to the communities in the chat.
        chat = runtime.messenger.create_chat(
            title, admin, users, groups, peer_id, admin_group_ids=admins
        )
    return _json(chat_json(runtime, chat.peer_id), 201)


@handles_errors
async def add_chat_members(request: web.Request) -> web.Response:
    runtime = _runtime(request)
    peer_id = _int(dict(request.match_info), "peer_id")
    chat = runtime.state.chats.get(peer_id)
    if chat is None:
        return _problem(404, "no such chat")
    users, groups, admins = _member_lists(runtime, await _body(request))
    # One chat_invite_user service message per member who was not in the chat yet.
    runtime.messenger.add_chat_members(chat, users, groups, admin_group_ids=admins)
    return _json(chat_json(runtime, peer_id))


@handles_errors
async def set_chat_admin(request: web.Request) -> web.Response:
    """The chat's admin makes a community in the chat an admin ({"admin": true}) or takes the
    rights back ({"admin": false}); only an admin community may read the member list."""
    runtime = _runtime(request)
    match = dict(request.match_info)
    peer_id, group_id = _int(match, "peer_id"), _int(match, "group_id")
    chat = runtime.state.chats.get(peer_id)
    if chat is None:
        return _problem(404, "no such chat")
    if group_id not in chat.communities:
        return _problem(404, "this community is not in the chat")
    admin = (await _body(request)).get("admin")
    if not isinstance(admin, bool):
        raise BadRequest("admin must be true or false")
    runtime.state.set_chat_admin(chat, group_id, admin)
    return _json(chat_json(runtime, peer_id))


@handles_errors
async def list_chats(request: web.Request) -> web.Response:
    runtime = _runtime(request)
    return _json({"items": [chat_json(runtime, p) for p in sorted(runtime.state.chats)]})


@handles_errors
async def register_app(request: web.Request) -> web.Response:
    """A mini-app that open_app buttons open, with launch parameters signed by its secret."""
    runtime = _runtime(request)
    data = await _body(request)
    url = str(data.get("url") or "")
    secret = str(data.get("secret") or "")
    if not url.startswith(("http://", "https://")) or not secret:
        raise BadRequest("url (http or https) and secret are required")
    app = MiniApp(_int(data, "app_id"), url, secret, str(data.get("title") or ""))
    runtime.state.register_app(app)
    return _json({"app_id": app.app_id, "url": app.url, "title": app.title}, 201)


@handles_errors
async def list_apps(request: web.Request) -> web.Response:
    apps = _runtime(request).state.apps.values()
    return _json({"items": [{"app_id": a.app_id, "url": a.url, "title": a.title} for a in apps]})


# -- counters, faults, clock -------------------------------------------------------------------


@handles_errors
async def stats(request: web.Request) -> web.Response:
    return _json(_runtime(request).state.stats.as_json())


@handles_errors
async def get_faults(request: web.Request) -> web.Response:
    return _json(_runtime(request).faults.as_json())


@handles_errors
async def set_faults(request: web.Request) -> web.Response:
    runtime = _runtime(request)
    with _refused_as_bad_request((TypeError, ValueError)):
        runtime.faults.update(await _body(request))
    return _json(runtime.faults.as_json())


@handles_errors
async def tick(request: web.Request) -> web.Response:
    """Run what is due on the clock now (Callback API retries); for out-of-process tests."""
    return _json({"callback_attempts": await _runtime(request).tick()})
