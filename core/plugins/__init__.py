"""Bot plugins: what a plugin is (spec) and how plugins are found and checked (loader)."""

from .loader import GROUP, PluginLoadError, discover, validate
from .spec import MenuReason, Plugin, ScheduledJob

__all__ = [
    "GROUP",
    "MenuReason",
    "Plugin",
    "PluginLoadError",
    "ScheduledJob",
    "discover",
    "validate",
]
