"""users.get."""

from __future__ import annotations

from typing import Any

from ..errors import VkError
from ..params import Params
from ..records import User
from ..render import user_object
from .base import CallContext, Method


def users_get(ctx: CallContext, params: Params) -> list[dict[str, Any]]:
    fields = frozenset(params.strings("fields"))
    names = params.strings("user_ids") or params.strings("user_id")
    if not names:
        # With a user token this is "me"; a community token has no "me" and gets [].
        return [user_object(ctx.actor, fields)] if isinstance(ctx.actor, User) else []
    found: list[dict[str, Any]] = []
    for name in names[:1000]:
        key = name.removeprefix("id")
        if not key.isdigit():
            raise VkError(113)
        user = ctx.state.users.get(int(key))
        if user is not None:
            found.append(user_object(user, fields))
        else:
            # VK answers unknown ids with a deleted profile rather than an error.
            found.append(
                {
                    "id": int(key),
                    "first_name": "DELETED",
                    "last_name": "",
                    "deactivated": "deleted",
                    "can_access_closed": True,
                    "is_closed": False,
                }
            )
    return found


USER_METHODS: dict[str, Method] = {"users.get": users_get}
