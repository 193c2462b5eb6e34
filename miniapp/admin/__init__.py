"""The mini-app's admin pages: activity monitoring (issue 10).

Wire them with ``create_app(services, extra_routes=[miniapp.admin.setup])``.
"""

from .routes import setup

__all__ = ["setup"]
