"""The plugin's services over core's, built once per ``Services``: the plugin provides them as
``KIT`` (other parts — the mini-app — may read the catalogue with ``services.get(KIT)`` too)."""

from __future__ import annotations

from dataclasses import dataclass

from core.plugins.extensions import ServiceKey
from core.runtime.services import Services

from .catalog import Catalog
from .digest import Digest
from .favourites import Favourites
from .prefs import Prefs

NAME = "pushkin_card"


@dataclass(frozen=True)
class Kit:
    services: Services
    catalog: Catalog
    prefs: Prefs
    favourites: Favourites
    digest: Digest

    @classmethod
    def build(cls, services: Services) -> Kit:
        catalog = Catalog(services.db)
        return cls(
            services,
            catalog,
            Prefs(services.storage(NAME)),
            Favourites(services, catalog),
            Digest(services, catalog),
        )

    @classmethod
    def of(cls, services: Services) -> Kit:
        """The services' kit (built here too where the plugin was not installed: unit tests)."""
        return services.get(KIT, cls.build)


KIT = ServiceKey[Kit](f"{NAME}.kit")
