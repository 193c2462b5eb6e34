"""The organisation cabinet for admins: the mini-app's pages of Сферум's admin cabinet."""

from .routes import setup

__all__ = ["setup"]
