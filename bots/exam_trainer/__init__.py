"""Exam trainer: students train for ОГЭ/ЕГЭ task by task with spaced repetition (FSRS); teachers
assign sets of tasks to a class and see the results.

Public for other parts (imported from this package): ``progress(db, person_id)`` (per task number:
attempts, accuracy, streak) and ``topic_progress`` — the mini-app charts them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.plugins import Plugin

from . import fallbacks, reminders, student_pages, teaching, training, ui
from .cli import register as commands
from .importer import ensure_tasks
from .progress import ProgressRow, progress, topic_progress
from .ui import TEXTS

if TYPE_CHECKING:
    from core.runtime.services import Services


async def _startup(services: Services) -> None:
    reminders.register(services)
    await ensure_tasks(services.db, services.clock.now())


async def _demo(services: Services, group_id: int) -> None:
    from .demo import load_demo_assignments

    await load_demo_assignments(services)


plugin = Plugin(
    name="exam_trainer",
    title="Тренажёр ОГЭ и ЕГЭ",
    # Order matters within the plugin: specific handlers first, its dialog's catch-alls last.
    labelers=[training.labeler, student_pages.labeler, teaching.labeler, fallbacks.labeler],
    texts=TEXTS,
    migrations_package="bots.exam_trainer",
    on_startup=_startup,
    demo=_demo,
    description="Задания как на экзамене, проверка с разбором, интервальные повторения, "
    "задания классу от учителя.",
    commands=(commands,),  # sferum tasks import
    payload_keys=(ui.KEY,),  # every button of the trainer: {"et": action, ...}
    menu=fallbacks.menu,
)

__all__ = ["ProgressRow", "plugin", "progress", "topic_progress"]
