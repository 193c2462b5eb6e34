"""The one error of plugin loading, low in the package so that whatever loads a plugin's parts
(its migrations, its settings) can raise it without importing the loader."""

from __future__ import annotations


class PluginLoadError(Exception):
    """A plugin that cannot run, with its name and the problem in one line."""

    def __init__(self, plugin: str, problem: str) -> None:
        super().__init__(f"плагин {plugin!r}: {problem}")
        self.plugin = plugin
        self.problem = problem
