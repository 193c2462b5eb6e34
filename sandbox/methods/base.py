"""What a method handler receives: the caller, the sandbox's services, and the request's origin."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..api_version import LATEST, ApiVersion
from ..errors import VkError
from ..messaging import Messenger
from ..params import Params
from ..records import ALL_COMMUNITY_RIGHTS, MESSAGES_RIGHT, Community, User
from ..state import SandboxState

if TYPE_CHECKING:
    from ..callback_api import CallbackDelivery


@dataclass(slots=True)
class CallContext:
    state: SandboxState
    messenger: Messenger
    callback: CallbackDelivery
    actor: Community | User
    base_url: str  # where clients reach us, for the long poll server address
    rights: int = ALL_COMMUNITY_RIGHTS  # of the caller's token, when it is a community's
    # The call's `v` (execute's, for the calls inside it): answers take that version's shape.
    version: ApiVersion = LATEST

    def require_rights(self, method: str) -> None:
        """VK refuses a community token without the messages right every messages.* method."""
        if (
            method.startswith("messages.")
            and isinstance(self.actor, Community)
            and not self.rights & MESSAGES_RIGHT
        ):
            raise VkError(15, "no access to call this method")

    def community(self) -> Community:
        if not isinstance(self.actor, Community):
            raise VkError(15, "this method is available only with a community access token")
        return self.actor

    def own_group(self, params: Params) -> Community:
        """The caller's community; a group_id naming another one is refused as VK does."""
        community = self.community()
        group_id = params.integer("group_id")
        if group_id is not None and group_id != community.id:
            raise VkError(15, "no access to this group")
        return community


# A handler returns the "response" value; VK errors are raised as VkError.
Method = Callable[[CallContext, Params], Any | Awaitable[Any]]
