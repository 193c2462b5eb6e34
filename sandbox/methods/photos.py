"""photos.getMessagesUploadServer and photos.saveMessagesPhoto: photos for messages."""

from __future__ import annotations

from typing import Any

from ..params import Params
from ..records import Community
from ..uploads import MESSAGES_ALBUM, PHOTO
from .base import CallContext, Method
from .docs import owner_of, require_right, upload_peer


def get_messages_upload_server(ctx: CallContext, params: Params) -> dict[str, Any]:
    require_right(ctx, PHOTO)
    peer_id = upload_peer(ctx, params)
    actor = ctx.actor
    answer: dict[str, Any] = {
        "album_id": MESSAGES_ALBUM,
        "upload_url": ctx.state.uploads.ticket(PHOTO, owner_of(ctx), peer_id, ctx.base_url),
        # photos_photo_upload: the uploading user, 0 with a community's token (then group_id).
        "user_id": 0 if isinstance(actor, Community) else actor.id,
    }
    if isinstance(actor, Community):
        answer["group_id"] = actor.id
    return answer


def save_messages_photo(ctx: CallContext, params: Params) -> list[dict[str, Any]]:
    require_right(ctx, PHOTO)
    stored = ctx.state.uploads.save_photo(
        params.required_text("photo"),
        params.integer("server"),
        params.text("hash"),
        owner_of(ctx),
        ctx.state.unix_now(),
        ctx.base_url,
    )
    return [stored.vk_object()]


PHOTO_METHODS: dict[str, Method] = {
    "photos.getMessagesUploadServer": get_messages_upload_server,
    "photos.saveMessagesPhoto": save_messages_photo,
}
