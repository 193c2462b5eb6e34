"""Multi-step dialog state, persisted so that a restart mid-dialog continues it.

The stores live in ``core.dialogs`` (an interface, SQLite and Redis); callers keep importing
``Dialog`` and ``DialogStore`` (the interface) from here.
"""

from __future__ import annotations

from core.dialogs import Dialog, DialogStore, SqliteDialogStore, open_dialog_store

__all__ = ["Dialog", "DialogStore", "SqliteDialogStore", "open_dialog_store"]
