"""The plugin's handlers on one labeler; the import order is the matching order (buttons
first, typed text in dialog steps last)."""

from . import listing, menu, questions, recommendation, saved, steps  # noqa: F401
from .common import labeler

__all__ = ["labeler"]
