"""One error handler for every community: log with context, then answer the person in Russian
instead of going silent."""

from __future__ import annotations

import logging
from typing import Any

from vkbottle.exception_factory.error_handler import ErrorHandler

from core.texts import Texts

log = logging.getLogger("sferum.errors")


class ReplyingErrorHandler(ErrorHandler):
    def __init__(self, texts: Texts) -> None:
        super().__init__(redirect_arguments=False)
        self.texts = texts
        self.handled = 0

    async def handle(self, error: Exception, *args: Any, **kwargs: Any) -> Any:
        self.handled += 1
        event = args[0] if args else None
        log.error("handler failed on %r: %s", type(event).__name__, error, exc_info=error)
        text = self.texts.render("error.j2")
        try:
            if event is None:
                return None
            if hasattr(event, "show_snackbar"):  # a callback button press
                await event.show_snackbar(self.texts.label("error_snackbar"))
            elif hasattr(event, "answer"):
                await event.answer(text)
        except Exception:  # the reply itself failed (VK down): logging is all that is left
            log.exception("could not tell the user about the error")
        return None
