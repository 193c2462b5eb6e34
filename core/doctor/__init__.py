"""``sferum doctor``: is this community ready? One Russian line per check, then a verdict."""

from __future__ import annotations

from .checks import REQUIRED_EVENTS, Check
from .report import Report
from .run import override_settings, run_doctor

__all__ = ["REQUIRED_EVENTS", "Check", "Report", "override_settings", "run_doctor"]
