"""The VK API methods the sandbox implements, by name; execute runs them too."""

from __future__ import annotations

from .base import CallContext, Method
from .docs import DOC_METHODS
from .groups import GROUP_METHODS
from .messages import MESSAGE_METHODS
from .photos import PHOTO_METHODS
from .users import USER_METHODS

METHODS: dict[str, Method] = {
    **GROUP_METHODS,
    **USER_METHODS,
    **MESSAGE_METHODS,
    **DOC_METHODS,
    **PHOTO_METHODS,
}

__all__ = ["METHODS", "CallContext", "Method"]
