"""The per-``Services`` registry behind ``services.get`` and ``services.settings_for``.

It knows nothing of ``Services`` (the owner the factories receive is a type parameter), so the
services can hold one without importing the plugin spec.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
O = TypeVar("O")  # noqa: E741 - the owner: Services


class ServiceKey(Generic[T]):
    """The typed name of a service a plugin offers, ``ServiceKey[Kit]("pushkin_card.kit")``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"ServiceKey({self.name!r})"


class MissingService(LookupError):
    """Nobody provides this key on these services, and the caller gave no factory."""


class Extensions(Generic[O]):
    """The per-``Services`` registry behind ``services.get`` and ``services.settings_for``."""

    def __init__(self) -> None:
        self._factories: dict[ServiceKey[Any], Callable[[O], Any]] = {}
        self._built: dict[ServiceKey[Any], Any] = {}
        self._settings: dict[type[BaseModel], BaseModel] = {}

    def provide(self, key: ServiceKey[T], factory: Callable[[O], T]) -> None:
        known = self._factories.get(key)
        if known is not None and known is not factory:
            raise ValueError(f"{key!r} is provided twice")
        self._factories[key] = factory

    def provided(self, key: ServiceKey[Any]) -> bool:
        return key in self._factories or key in self._built

    def get(self, key: ServiceKey[T], owner: O, fallback: Callable[[O], T] | None = None) -> T:
        if key in self._built:
            return cast(T, self._built[key])
        factory = self._factories.get(key, fallback)
        if factory is None:
            raise MissingService(
                f"no plugin provides {key.name!r} on these services "
                "(install the plugin with core.plugins.install_plugins, or pass a factory)"
            )
        value = factory(owner)
        # A factory may itself have built the key (setup functions that also register jobs).
        return cast(T, self._built.setdefault(key, value))

    def set_settings(self, value: BaseModel) -> None:
        self._settings[type(value)] = value

    def settings_for(self, model: type[M]) -> M:
        found = self._settings.get(model)
        if found is None:
            raise MissingService(
                f"settings {model.__name__} are not loaded on these services "
                "(core.plugins.install_plugins loads them; a command uses "
                "core.plugins.settings.plugin_settings)"
            )
        return cast(M, found)
