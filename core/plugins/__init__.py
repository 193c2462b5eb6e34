"""Bot plugins: what a plugin is (spec) and how plugins are found and checked (loader)."""

from .loader import GROUP, PluginLoadError, discover, validate
from .spec import Plugin, ScheduledJob

__all__ = ["GROUP", "Plugin", "PluginLoadError", "ScheduledJob", "discover", "validate"]
