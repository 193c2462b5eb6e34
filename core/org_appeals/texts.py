"""The texts of appeals to an organisation (core/org_appeals/templates)."""

from __future__ import annotations

from core.texts import Texts

T = Texts.for_package("core.org_appeals")
