"""People, organisations and roles."""

from .models import (
    Group,
    Identity,
    Organisation,
    OrgKind,
    Person,
    Position,
    Role,
    RoleKind,
)
from .repository import PeopleError, PeopleRepository

__all__ = [
    "Group",
    "Identity",
    "OrgKind",
    "Organisation",
    "PeopleError",
    "PeopleRepository",
    "Person",
    "Position",
    "Role",
    "RoleKind",
]
