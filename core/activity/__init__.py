"""Activity: what core records on every event, and the monitoring computed from it."""

from .recorder import ActivityKind, ActivityRecorder

__all__ = ["ActivityKind", "ActivityRecorder"]
