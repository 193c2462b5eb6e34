"""Counsellor broadcasts: compose, preview, schedule and follow broadcasts to the school."""

from core.plugins.spec import Plugin

from .handlers import labeler, texts

plugin = Plugin(
    name="advisor_broadcast",
    title="Рассылки советника",
    description="Советник по воспитанию и педагоги сообщают новости школе, классу, родителям.",
    labelers=[labeler],
    texts=texts,
)
