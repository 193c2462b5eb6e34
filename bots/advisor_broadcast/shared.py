"""What every handler module of the bot shares: its labeler, its texts, the prefix of its dialog
steps, the Cancel button and the staff rule. Lower than handlers.py, replies.py and reports.py, so
each of them registers on the same labeler without importing the others."""

from __future__ import annotations

from vkbottle.framework.labeler import BotLabeler

from core.people import RoleKind
from core.rules import HasRole
from core.texts import Texts

texts = Texts.for_package("bots.advisor_broadcast")
labeler = BotLabeler()

FLOW = "advisor."
CANCEL = {"ab": "cancel"}
STAFF = HasRole(RoleKind.STAFF)
