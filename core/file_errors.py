"""Why a file cannot be read, worded alike by every importer: the system's strerror is English,
and a teacher importing a file reads Russian."""

from __future__ import annotations

from core.texts import CORE_TEXTS


def os_reason(exc: OSError) -> str:
    """A code for the reason: not_found, no_access, directory or os (any other failure)."""
    if isinstance(exc, FileNotFoundError):
        return "not_found"
    if isinstance(exc, PermissionError):
        return "no_access"
    if isinstance(exc, IsADirectoryError):
        return "directory"
    return "os"


def unreadable(exc: OSError) -> str:
    """The reason in Russian (core/templates/file_unreadable.j2)."""
    return CORE_TEXTS.render("file_unreadable.j2", reason=os_reason(exc)).strip()
