"""Table of contents: every URL the sandbox serves and the handler behind it."""

from __future__ import annotations

from aiohttp import web

from . import control_api as control
from . import upload_http, webchat
from .runtime import RUNTIME


async def vk_method(request: web.Request) -> web.Response:
    return await request.app[RUNTIME].api.handle(request)


async def vk_longpoll(request: web.Request) -> web.Response:
    return await request.app[RUNTIME].longpoll.handle(request)


def setup_routes(app: web.Application) -> None:
    r = app.router
    # VK: the API and the Bots Long Poll server that groups.getLongPollServer points at.
    r.add_route("GET", "/method/{method}", vk_method)
    r.add_route("POST", "/method/{method}", vk_method)
    r.add_route("GET", "/whp/{group_id}", vk_longpoll)
    r.add_route("POST", "/whp/{group_id}", vk_longpoll)
    # VK's upload servers (upload_url of *.getMessagesUploadServer) and the files they keep.
    r.add_post("/upload/{kind}/{ticket}", upload_http.receive)
    r.add_get("/files/{kind}/{ref}/{name}", upload_http.serve)

    # Control API (README.md, "Control API").
    api = "/sandbox/api"
    r.add_get(f"{api}/communities", control.list_communities)
    r.add_post(f"{api}/communities", control.create_community)
    r.add_get(f"{api}/communities/{{group_id}}", control.get_community)
    r.add_post(f"{api}/communities/{{group_id}}/settings", control.community_settings)
    r.add_post(f"{api}/communities/{{group_id}}/tokens", control.create_token)
    r.add_post(f"{api}/communities/{{group_id}}/callback", control.set_callback)
    r.add_get(f"{api}/communities/{{group_id}}/callback", control.get_callback)
    r.add_post(f"{api}/communities/{{group_id}}/longpoll/fail", control.longpoll_fail)
    r.add_get(f"{api}/users", control.list_users)
    r.add_post(f"{api}/users", control.create_user)
    r.add_post(f"{api}/users/bulk", control.create_users_bulk)
    r.add_get(f"{api}/users/{{user_id}}", control.get_user)
    r.add_post(f"{api}/users/{{user_id}}/messages", control.user_writes)
    r.add_post(f"{api}/users/{{user_id}}/calls", control.user_calls)
    r.add_get(f"{api}/users/{{user_id}}/messages", control.user_messages)
    r.add_get(f"{api}/users/{{user_id}}/conversations", control.user_conversations)
    r.add_post(f"{api}/users/{{user_id}}/events", control.press_button)
    r.add_get(f"{api}/users/{{user_id}}/events/{{event_id}}", control.button_answer)
    r.add_post(f"{api}/users/{{user_id}}/allow", control.user_allows)
    r.add_post(f"{api}/users/{{user_id}}/deny", control.user_denies)
    r.add_get(f"{api}/users/{{user_id}}/message_requests", control.message_requests)
    r.add_post(
        f"{api}/users/{{user_id}}/message_requests/{{sender_id}}", control.answer_message_request
    )
    r.add_get(f"{api}/chats", control.list_chats)
    r.add_post(f"{api}/chats", control.create_chat)
    r.add_post(f"{api}/chats/{{peer_id}}/members", control.add_chat_members)
    r.add_put(f"{api}/chats/{{peer_id}}/communities/{{group_id}}", control.set_chat_admin)
    r.add_get(f"{api}/apps", control.list_apps)
    r.add_post(f"{api}/apps", control.register_app)
    r.add_get(f"{api}/stats", control.stats)
    r.add_get(f"{api}/faults", control.get_faults)
    r.add_put(f"{api}/faults", control.set_faults)
    r.add_post(f"{api}/tick", control.tick)

    # Web chat for people (README.md, "Web chat").
    r.add_get("/", webchat.pick_page)
    r.add_get("/chat/{user_id}", webchat.chat_page)
    r.add_get("/chat/{user_id}/updates", webchat.updates)
    r.add_post("/chat/{user_id}/send", webchat.send)
    r.add_post("/chat/{user_id}/press", webchat.press)
    r.add_get("/chat/{user_id}/events/{event_id}", webchat.event_answer)
    r.add_get("/chat/{user_id}/app/{app_id}", webchat.open_app)
    r.add_post("/chat/{user_id}/requests/{sender_id}", webchat.answer_request)
    r.add_post("/chat/{user_id}/communities/{group_id}", webchat.community_permission)
    r.add_static("/static/", webchat.STATIC)
