"""messages.*: sending (one peer or up to 100), editing, reading back, chat members, buttons."""

from __future__ import annotations

from typing import Any

from ..errors import VkError, param_error
from ..params import Params
from ..records import CHAT_PEER_BASE, Community, Conversation, Message, User, is_chat_peer
from ..render import group_object, message_object, user_object
from .base import CallContext, Method

MAX_PEER_IDS = 100


def _single_peer(params: Params) -> int | None:
    peer_id = params.integer("peer_id")
    if peer_id is None:
        peer_id = params.integer("user_id")
    if peer_id is None:
        chat_id = params.integer("chat_id")
        peer_id = CHAT_PEER_BASE + chat_id if chat_id is not None else None
    return peer_id


def send(ctx: CallContext, params: Params) -> Any:
    if params.raw.get("random_id") in (None, ""):
        raise param_error("random_id is a required parameter")
    random_id = params.integer("random_id", 0) or 0
    peer_ids = params.integers("peer_ids")
    user_ids = params.integers("user_ids")
    actor = ctx.actor
    if isinstance(actor, User):
        return _send_as_user(ctx, actor, params, peer_ids or user_ids)
    content = ctx.messenger.content(
        actor.owner_id,
        params.text("message") or "",
        payload=params.text("payload"),
        keyboard=params.text("keyboard"),
        attachment=params.text("attachment"),
        dont_parse_links=params.flag("dont_parse_links"),
        disable_mentions=params.flag("disable_mentions"),
    )
    many = peer_ids if peer_ids is not None else user_ids
    if many is None:
        peer_id = _single_peer(params)
        if peer_id is None:
            raise param_error(
                "you should specify peer_id, user_id, domain, chat_id or user_ids param"
            )
        message = ctx.messenger.send_from_community(actor, peer_id, content, random_id)
        return 0 if message.conv.chat is not None else message.id
    if not many:
        raise param_error("peer_ids is empty")
    if len(many) > MAX_PEER_IDS:
        raise param_error(f"peer_ids: too many recipients, at most {MAX_PEER_IDS}")
    return _send_many(ctx, actor, many, content, random_id)


def _send_many(
    ctx: CallContext, community: Community, peers: list[int], content: Any, random_id: int
) -> list[dict[str, Any]]:
    # One recipient's failure is reported in its own item and does not fail the call.
    outcomes = ctx.messenger.deliver(community, peers, content, random_id)
    stats = ctx.state.stats
    items: list[dict[str, Any]] = []
    append = items.append
    for peer_id, outcome in zip(peers, outcomes, strict=True):
        if isinstance(outcome, VkError):
            stats.error(outcome.code)
            # VK leaves the ids out of a failed recipient's item (vk-api-schema issue #208):
            # there is no message, and a reader taking item["message_id"] must not find a 0.
            append({"peer_id": peer_id, "error": outcome.as_item_error()})
        else:
            append(
                {
                    "peer_id": peer_id,
                    "message_id": 0 if outcome.conv.chat is not None else outcome.id,
                    "conversation_message_id": outcome.cmid,
                }
            )
    return items


def _send_as_user(ctx: CallContext, user: User, params: Params, many: list[int] | None) -> int:
    if many is not None:
        raise param_error("peer_ids is available only for community messages")
    if "keyboard" in params:
        raise VkError(912)
    peer_id = _single_peer(params)
    if peer_id is None:
        raise param_error("you should specify peer_id, user_id, domain, chat_id or user_ids param")
    message = ctx.messenger.send_from_user(
        user,
        peer_id,
        params.text("message") or "",
        payload=params.text("payload"),
        attachment=params.text("attachment"),
    )
    return message.id


def _viewer(ctx: CallContext) -> int:
    actor = ctx.actor
    return actor.owner_id if isinstance(actor, Community) else actor.id


def _conversation(ctx: CallContext, peer_id: int) -> Conversation:
    conv = ctx.state.conversation_for(_viewer(ctx), peer_id)
    if conv is None:
        if is_chat_peer(peer_id):
            raise VkError(917)
        raise param_error("peer_id is invalid")
    return conv


def edit(ctx: CallContext, params: Params) -> int:
    community = ctx.community()
    peer_id = params.required_integer("peer_id")
    conv = _conversation(ctx, peer_id)
    message: Message | None = None
    message_id = params.integer("message_id")
    cmid = params.integer("cmid")
    if cmid is None:
        cmid = params.integer("conversation_message_id")
    if message_id:
        message = ctx.state.messages.get(message_id)
        if message is not None and message.conv is not conv:
            message = None
    elif cmid is not None:
        message = conv.by_cmid(cmid)
    else:
        raise param_error("message_id or cmid is undefined")
    if message is None:
        raise param_error("message_id is invalid")
    if "message" not in params and "attachment" not in params and "keyboard" not in params:
        raise param_error("message is empty or invalid")
    ctx.messenger.edit_by_community(
        community,
        peer_id,
        message,
        params.text("message"),
        params.text("keyboard"),
        params.text("attachment"),
    )
    return 1


def _extended(ctx: CallContext, messages: list[Message]) -> dict[str, Any]:
    users = sorted({m.from_id for m in messages if m.from_id > 0})
    groups = sorted({-m.from_id for m in messages if m.from_id < 0})
    return {
        "profiles": [user_object(ctx.state.users[u]) for u in users if u in ctx.state.users],
        "groups": [
            group_object(ctx.state.communities[g]) for g in groups if g in ctx.state.communities
        ],
    }


def _listing(ctx: CallContext, params: Params, messages: list[Message]) -> dict[str, Any]:
    viewer = _viewer(ctx)
    result: dict[str, Any] = {
        "count": len(messages),
        "items": [message_object(m, viewer) for m in messages],
    }
    if params.flag("extended"):
        result.update(_extended(ctx, messages))
    return result


def get_by_id(ctx: CallContext, params: Params) -> dict[str, Any]:
    viewer = _viewer(ctx)
    ids = params.integers("message_ids")
    found: list[Message] = []
    if ids is not None:
        if len(ids) > 100:
            raise param_error("message_ids: at most 100")
        for message_id in ids:
            message = ctx.state.messages.get(message_id)
            # Communities address chat messages by cmid only (they see id 0 there).
            if message is None or not message.conv.has(viewer):
                continue
            if viewer < 0 and message.conv.chat is not None:
                continue
            found.append(message)
    else:
        cmids = params.integers("cmids")
        if cmids is None:
            raise param_error("message_ids is undefined")
        conv = _conversation(ctx, params.required_integer("peer_id"))
        found = [m for m in (conv.by_cmid(c) for c in cmids) if m is not None]
    return _listing(ctx, params, found)


def get_by_conversation_message_id(ctx: CallContext, params: Params) -> dict[str, Any]:
    conv = _conversation(ctx, params.required_integer("peer_id"))
    cmids = params.integers("conversation_message_ids")
    if not cmids:
        raise param_error("conversation_message_ids is undefined")
    found = [m for m in (conv.by_cmid(c) for c in cmids[:100]) if m is not None]
    return _listing(ctx, params, found)


def _read_up_to(conv: Conversation, author: int, mark: int, *, by_author: bool) -> Message | None:
    """The latest message at or below the mark, written by ``author`` or by anyone else."""
    for message in reversed(conv.messages[:mark]):
        if (message.from_id == author) == by_author and message.action is None:
            return message
    return None


def _conversation_object(ctx: CallContext, viewer: int, conv: Conversation) -> dict[str, Any]:
    """A messages_conversation with VK's read marks: in_read, the last incoming message the
    viewer has read; out_read, the viewer's last message the other side has read (in a chat,
    anyone else) — a community compares its sent message ids with out_read."""
    peer_id = conv.peer_for(viewer)
    chat = conv.chat
    hidden = chat is not None and viewer < 0  # a community sees id 0 in chats, as on VK
    others = sorted(chat.members) if chat is not None else [conv.a if viewer == conv.b else conv.b]
    theirs = max((conv.read_by(o) for o in others if o != viewer), default=0)
    mine = conv.read_by(viewer)
    in_read = _read_up_to(conv, viewer, mine, by_author=False)
    out_read = _read_up_to(conv, viewer, theirs, by_author=True)
    last = conv.messages[-1] if conv.messages else None
    kind = "chat" if chat is not None else "group" if peer_id < 0 else "user"
    local = chat.chat_id if chat is not None else abs(peer_id)
    can_write: dict[str, Any] = {"allowed": True}
    if viewer < 0 and chat is None:
        community = ctx.state.communities.get(-viewer)
        if community is not None and peer_id not in community.allowed:
            can_write = {"allowed": False, "reason": 901}
    item: dict[str, Any] = {
        "peer": {"id": peer_id, "type": kind, "local_id": local},
        "last_message_id": 0 if last is None or hidden else last.id,
        "last_conversation_message_id": 0 if last is None else last.cmid,
        "in_read": 0 if in_read is None or hidden else in_read.id,
        "out_read": 0 if out_read is None or hidden else out_read.id,
        "in_read_cmid": 0 if in_read is None else in_read.cmid,
        "out_read_cmid": 0 if out_read is None else out_read.cmid,
        "can_write": can_write,
        "version": 0 if last is None else last.version,
    }
    unread = sum(1 for m in conv.messages[mine:] if m.from_id != viewer)
    if unread:
        item["unread_count"] = unread
    return item


def get_conversations_by_id(ctx: CallContext, params: Params) -> dict[str, Any]:
    """Conversations by peer id, up to 100; peers the caller has no conversation with are left
    out, as VK does. A community token reads its own dialogs and chats."""
    peer_ids = params.integers("peer_ids")
    if not peer_ids:
        raise param_error("peer_ids is undefined")
    if len(peer_ids) > MAX_PEER_IDS:
        raise param_error(f"peer_ids: at most {MAX_PEER_IDS}")
    if isinstance(ctx.actor, Community):
        ctx.own_group(params)
    viewer = _viewer(ctx)
    convs = [ctx.state.conversation_for(viewer, peer) for peer in dict.fromkeys(peer_ids)]
    found = [conv for conv in convs if conv is not None]
    result: dict[str, Any] = {
        "count": len(found),
        "items": [_conversation_object(ctx, viewer, conv) for conv in found],
    }
    if params.flag("extended"):
        owners = sorted({conv.peer_for(viewer) for conv in found if conv.chat is None})
        state = ctx.state
        result["profiles"] = [user_object(state.users[o]) for o in owners if o in state.users]
        result["groups"] = [
            group_object(state.communities[-o]) for o in owners if -o in state.communities
        ]
    return result


def get_conversation_members(ctx: CallContext, params: Params) -> dict[str, Any]:
    peer_id = params.required_integer("peer_id")
    conv = _conversation(ctx, peer_id)
    state = ctx.state
    chat = conv.chat
    viewer = _viewer(ctx)
    if chat is not None and viewer < 0 and not chat.is_admin(viewer):
        # VK lets a community read a chat's members only once the chat made it an admin.
        raise VkError(917)
    if chat is not None:
        owners = sorted(chat.members) + sorted(-g for g in chat.communities)
        joined, admin = chat.joined, chat.admin_id
    else:
        owners = [conv.a, conv.b]
        joined, admin = {}, 0
    items = []
    for owner in owners:
        item: dict[str, Any] = {
            "member_id": owner,
            "join_date": joined.get(owner, 0),
            "can_kick": False,
            "is_admin": owner == admin or (chat is not None and chat.is_admin(owner)),
        }
        if chat is not None and owner != admin:
            item["invited_by"] = admin
        if owner == admin:
            item["is_owner"] = True
        items.append(item)
    fields = frozenset(params.strings("fields"))
    return {
        "count": len(items),
        "items": items,
        "profiles": [
            user_object(state.users[o], fields) for o in owners if o > 0 and o in state.users
        ],
        "groups": [
            group_object(state.communities[-o]) for o in owners if o < 0 and -o in state.communities
        ],
    }


def send_message_event_answer(ctx: CallContext, params: Params) -> int:
    community = ctx.community()
    ctx.messenger.answer_event(
        community,
        params.required_text("event_id"),
        params.required_integer("user_id"),
        params.required_integer("peer_id"),
        params.text("event_data"),
    )
    return 1


def accept_quietly(ctx: CallContext, params: Params) -> int:
    """markAsRead and setActivity: accepted and ignored, as nothing here shows them."""
    return 1


MESSAGE_METHODS: dict[str, Method] = {
    "messages.send": send,
    "messages.edit": edit,
    "messages.getById": get_by_id,
    "messages.getByConversationMessageId": get_by_conversation_message_id,
    "messages.getConversationMembers": get_conversation_members,
    "messages.getConversationsById": get_conversations_by_id,
    "messages.sendMessageEventAnswer": send_message_event_answer,
    "messages.markAsRead": accept_quietly,
    "messages.setActivity": accept_quietly,
}
