"""The VK API methods the sandbox implements, by name; execute runs them too."""

from __future__ import annotations

from .base import CallContext, Method
from .groups import GROUP_METHODS
from .messages import MESSAGE_METHODS
from .users import USER_METHODS

METHODS: dict[str, Method] = {**GROUP_METHODS, **USER_METHODS, **MESSAGE_METHODS}

__all__ = ["METHODS", "CallContext", "Method"]
