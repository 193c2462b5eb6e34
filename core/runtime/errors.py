"""One error handler for every community: log with context, then answer the person in Russian
instead of going silent."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from vkbottle.exception_factory.error_handler import ErrorHandler

from core.texts import Texts

log = logging.getLogger("sferum.errors")

# vkbottle catches every handler's exception and hands it to the error handler, so whoever routes
# an event learns that it failed only from here (the Callback API must not answer "ok" then).
_FAILURES: ContextVar[list[BaseException] | None] = ContextVar("sferum_failures", default=None)


@contextmanager
def collecting_failures() -> Iterator[list[BaseException]]:
    """The errors reported while routing one event in this context (and tasks it starts)."""
    failures: list[BaseException] = []
    token = _FAILURES.set(failures)
    try:
        yield failures
    finally:
        _FAILURES.reset(token)


class ReplyingErrorHandler(ErrorHandler):
    def __init__(self, texts: Texts) -> None:
        super().__init__(redirect_arguments=False)
        self.texts = texts
        self.handled = 0

    async def handle(self, error: Exception, *args: Any, **kwargs: Any) -> Any:
        self.handled += 1
        failures = _FAILURES.get()
        if failures is not None:
            failures.append(error)
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
