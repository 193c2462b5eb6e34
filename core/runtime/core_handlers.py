"""The handlers core mounts in every community, before any plugin's, and their one-time setup.

Verification (journal codes, join requests), activity monitoring («мониторинг») and the
e-journal's button («журнал») belong to the
platform, not to a bot: whichever bots a school runs, these answer the same way.
"""

from __future__ import annotations

from vkbottle.framework.labeler import BotLabeler

from core.activity.handlers import labeler as monitoring_labeler
from core.activity.handlers import setup as setup_monitoring
from core.broadcast.answers import labeler as answers_labeler
from core.journal.handlers import labeler as journal_labeler
from core.org_appeals.handlers import labeler as org_appeals_labeler
from core.verification.handlers import labeler as verification_labeler

from .services import Services

CORE_LABELERS: tuple[BotLabeler, ...] = (
    # First: text typed at a step of «Написать в школу» is the appeal, whatever words it has.
    org_appeals_labeler,
    verification_labeler,
    monitoring_labeler,
    journal_labeler,
    # Last of core's: a recipient's answer to a broadcast reaches its author whichever bot is
    # the community's main one.
    answers_labeler,
)


def setup_core_handlers(services: Services) -> None:
    """Register the job kinds core's handlers schedule (the Monday monitoring report)."""
    setup_monitoring(services)
