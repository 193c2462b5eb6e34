"""Bot plugins: what a plugin is (spec), what it adds (extensions), how plugins are found and
checked (loader), their settings (settings). ``core.plugins.install.install_plugins`` puts them
to work on a ``Services`` (not re-exported here: it builds on core.runtime, which imports this
package)."""

from .errors import PluginLoadError
from .extensions import CommandHook, HomeLink, Provide, RouteHook, ServiceFactory
from .loader import GROUP, check_commands, command_names, discover, validate
from .registry import MissingService, ServiceKey
from .spec import JobCallback, MenuReason, Plugin, ScheduledJob

__all__ = [
    "GROUP",
    "CommandHook",
    "HomeLink",
    "JobCallback",
    "MenuReason",
    "MissingService",
    "Plugin",
    "PluginLoadError",
    "Provide",
    "RouteHook",
    "ScheduledJob",
    "ServiceFactory",
    "ServiceKey",
    "check_commands",
    "command_names",
    "discover",
    "validate",
]
