"""The plugin's services over core's, built once per process and kept in ``services.extras``
(other parts — the mini-app — may read the catalogue from there too)."""

from __future__ import annotations

from dataclasses import dataclass

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
    def of(cls, services: Services) -> Kit:
        kit = services.extras.get(NAME)
        if isinstance(kit, Kit) and kit.services is services:
            return kit
        catalog = Catalog(services.db)
        kit = cls(
            services,
            catalog,
            Prefs(services.storage(NAME)),
            Favourites(services, catalog),
            Digest(services, catalog),
        )
        services.extras[NAME] = kit
        return kit
