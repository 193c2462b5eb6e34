"""Messages bots send by themselves, held back by the recipient's quiet hours (core/outbox)."""

from .service import JOB, Outbox, OutboxMessage, State

__all__ = ["JOB", "Outbox", "OutboxMessage", "State"]
