"""The weekly summary as the bot sends it: one line per metric with its colour and trend."""

from __future__ import annotations

from dataclasses import dataclass

from core.people import OrgKind

from .counts import SHARES, Metric
from .report import SUMMARY, InactiveSchool, UnitReport
from .texts import T, change, number
from .thresholds import EMOJI

NO_THRESHOLD = "▫️"


@dataclass(frozen=True)
class Line:
    emoji: str
    title: str
    value: float | None
    detail: str
    change: str


def lines(report: UnitReport) -> list[Line]:
    found: list[Line] = []
    for metric in SUMMARY:
        if metric == Metric.CONNECTED and report.unit.kind == OrgKind.SCHOOL:
            continue  # a school is connected or not: the summary says it otherwise
        part, whole = SHARES[metric]
        found.append(
            Line(
                emoji=EMOJI[report.colour(metric)]
                if report.thresholds.get(metric)
                else NO_THRESHOLD,
                title=T.label(f"metric_{metric.value}"),
                value=report.share(metric),
                detail=T.label(
                    "part_of",
                    part=number(getattr(report.current, part)),
                    whole=number(getattr(report.current, whole)),
                ),
                change=change(report.trend(metric)),
            )
        )
    return found


def reason(school: InactiveSchool) -> str:
    """Why a school is not connected (a label of templates/labels.j2)."""
    if not school.has_groups and school.staff_registered == 0:
        return T.label("reason_nothing")
    return T.label("reason_no_groups" if not school.has_groups else "reason_no_staff")


def summary_text(report: UnitReport, *, finished: bool) -> str:
    own = next((s for s in report.inactive if s.unit.id == report.unit.id), None)
    return T.render(
        "summary.j2",
        unit=report.unit.name,
        kind=report.unit.kind.value,
        week=report.week,
        finished=finished,
        lines=lines(report),
        rank=report.rank,
        of=report.of,
        inactive=len(report.inactive),
        reason=reason(own) if own is not None else "",
        source=report.source,
    )
