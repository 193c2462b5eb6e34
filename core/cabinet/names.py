"""How the cabinet's lists name a person: surname first, as a class list reads."""

from __future__ import annotations


class SurnameFirst:
    """A base of a person's dataclass (its own ``first_name`` and ``last_name`` fields): ``name``
    is «Фамилия Имя». No slots of its own, so a slotted dataclass stays slotted."""

    __slots__ = ()
    first_name: str
    last_name: str

    @property
    def name(self) -> str:
        return f"{self.last_name} {self.first_name}".strip()
