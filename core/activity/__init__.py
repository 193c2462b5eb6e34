"""Activity: what core records on every event, and the monitoring computed from it.

recorder.py (buffered recording on every event) → store.py (raw log + weekly per-person counters,
bulk ingest) → metrics.py (per-school weekly counts, imports merged, snapshots) → report.py (unit
reports, ranks, trends, the weekly table) → summary.py / export.py / charts.py (bot text, xlsx,
SVG). Definitions in counts.py; thresholds.py; importer.py (platform statistics); handlers.py and
scheduled.py (the «мониторинг» command and the Monday report); weeks.py, units.py, texts.py.
"""

from .kinds import ActivityKind
from .recorder import ActivityRecorder
from .store import ActivityStore, IngestResult, IngestRow, event_row

__all__ = [
    "ActivityKind",
    "ActivityRecorder",
    "ActivityStore",
    "IngestResult",
    "IngestRow",
    "event_row",
]
