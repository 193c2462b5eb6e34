"""docs.getMessagesUploadServer and docs.save: documents for messages (sandbox/uploads.py)."""

from __future__ import annotations

from typing import Any

from ..errors import VkError, param_error
from ..params import Params
from ..records import COMMUNITY_TOKEN_RIGHTS, Community, is_chat_peer
from ..uploads import DOC
from .base import CallContext, Method

DOC_TYPES = ("doc",)  # audio_message and graffiti are not something the bots send


def owner_of(ctx: CallContext) -> int:
    return ctx.actor.owner_id if isinstance(ctx.actor, Community) else ctx.actor.id


def require_right(ctx: CallContext, kind: str) -> None:
    """A community token uploads documents with the docs right and photos with the photos one."""
    right = COMMUNITY_TOKEN_RIGHTS["docs" if kind == DOC else "photos"]
    if isinstance(ctx.actor, Community) and not ctx.rights & right:
        raise VkError(15, "no access to call this method")


def upload_peer(ctx: CallContext, params: Params) -> int | None:
    """The destination of the upload. A community must name one it may write to (VK answers
    901 otherwise); for a person it is optional."""
    peer_id = params.integer("peer_id")
    actor = ctx.actor
    if not isinstance(actor, Community):
        return peer_id
    if peer_id is None or peer_id == 0:
        raise param_error("peer_id is undefined")
    state = ctx.state
    if is_chat_peer(peer_id):
        chat = state.chats.get(peer_id)
        if chat is None or actor.id not in chat.communities:
            raise VkError(917)
    elif peer_id < 0 or peer_id not in actor.allowed:
        raise VkError(901)
    return peer_id


def get_messages_upload_server(ctx: CallContext, params: Params) -> dict[str, Any]:
    require_right(ctx, DOC)
    kind = params.text("type") or "doc"
    if kind not in DOC_TYPES:
        raise param_error(f"type {kind!r} is not supported here; use doc")
    peer_id = upload_peer(ctx, params)
    return {"upload_url": ctx.state.uploads.ticket(DOC, owner_of(ctx), peer_id, ctx.base_url)}


def save(ctx: CallContext, params: Params) -> dict[str, Any]:
    require_right(ctx, DOC)
    stored = ctx.state.uploads.save_doc(
        params.required_text("file"),
        owner_of(ctx),
        params.text("title"),
        ctx.state.unix_now(),
        ctx.base_url,
    )
    return {"type": "doc", "doc": stored.vk_object()}


DOC_METHODS: dict[str, Method] = {
    "docs.getMessagesUploadServer": get_messages_upload_server,
    "docs.save": save,
}
