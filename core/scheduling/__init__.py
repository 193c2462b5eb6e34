"""Scheduling: persisted jobs on an injected clock, with APScheduler's trigger arithmetic."""

from .queue import Job, JobQueue, UnknownJobKind
from .triggers import Cron, Once, Trigger, Weekly

__all__ = ["Cron", "Job", "JobQueue", "Once", "Trigger", "UnknownJobKind", "Weekly"]
