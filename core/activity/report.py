"""What admins read: a unit's weekly report (colours, trends, rank, children, inactive schools)
and the weekly table over several weeks, with the same columns everywhere (the mini-app pages,
the xlsx export, the CLI, the bot's summary)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from core.clock import Clock
from core.people import OrgKind
from core.storage import Database

# Defined in columns.py (texts.py formats them); read from here by the pages, the exports and
# the CLI.
from .columns import COLUMNS as COLUMNS
from .columns import SUMMARY as SUMMARY
from .columns import UNIT_COLUMNS as UNIT_COLUMNS
from .columns import Column as Column
from .columns import Trend as Trend
from .columns import trend as trend
from .counts import Counts, Metric, SchoolWeek
from .metrics import Monitoring
from .thresholds import Colour, Thresholds, ThresholdStore
from .units import OrgTree, Unit
from .weeks import Week


@dataclass(frozen=True)
class UnitWeek:
    unit: Unit
    week: Week
    counts: Counts

    def share(self, metric: Metric) -> float | None:
        return self.counts.share(metric)


@dataclass(frozen=True)
class Ranked:
    """A unit among its siblings: competition ranking by the mean of the rated shares (equal
    indexes share a place: 1, 2, 2, 4)."""

    row: UnitWeek
    previous: Counts
    rank: int
    of: int

    def trend(self, column: Column) -> Trend:
        return trend(column.value(self.row.counts), column.value(self.previous))


def rank(rows: list[UnitWeek], previous: dict[int, Counts] | None = None) -> list[Ranked]:
    ordered = sorted(rows, key=lambda r: (-round(r.counts.rating_index(), 9), r.unit.name))
    ranked: list[Ranked] = []
    for position, row in enumerate(ordered, start=1):
        index = round(row.counts.rating_index(), 9)
        if ranked and round(ranked[-1].row.counts.rating_index(), 9) == index:
            place = ranked[-1].rank
        else:
            place = position
        before = (previous or {}).get(row.unit.id, Counts())
        ranked.append(Ranked(row, before, place, len(rows)))
    return ranked


@dataclass(frozen=True)
class InactiveSchool:
    unit: Unit
    parent: str
    has_groups: bool
    staff_registered: int
    admins: tuple[tuple[str, int | None], ...]  # (full name, VK id)


@dataclass
class UnitReport:
    unit: Unit
    week: Week
    current: Counts
    previous: Counts
    thresholds: Thresholds
    path: list[Unit]  # from the top of the tree down to the parent (breadcrumbs)
    rank: int | None = None  # among siblings of the same kind
    of: int = 0
    children: list[Ranked] = field(default_factory=list)
    inactive: list[InactiveSchool] = field(default_factory=list)
    source: str = "activity"

    def share(self, metric: Metric) -> float | None:
        return self.current.share(metric)

    def colour(self, metric: Metric) -> Colour:
        return self.thresholds.colour(metric, self.current.share(metric))

    def trend(self, metric: Metric) -> Trend:
        return trend(self.current.share(metric), self.previous.share(metric))

    def column_trend(self, column: Column) -> Trend:
        return trend(column.value(self.current), column.value(self.previous))


@dataclass(frozen=True)
class TableRow:
    """One week of the weekly table, with the week before for the arrows."""

    week: Week
    counts: Counts
    previous: Counts | None

    def value(self, column: Column) -> float | int | None:
        return column.value(self.counts)

    def trend(self, column: Column) -> Trend:
        if self.previous is None:
            return Trend(None)
        return trend(column.value(self.counts), column.value(self.previous))


def _source(rows: dict[int, SchoolWeek]) -> str:
    sources = {row.source for row in rows.values()}
    if not sources:
        return "none"
    return sources.pop() if len(sources) == 1 else "activity+import"


class Reports:
    """Builds reports from ``Monitoring`` with the region's thresholds."""

    def __init__(self, monitoring: Monitoring, thresholds: ThresholdStore) -> None:
        self.monitoring = monitoring
        self.thresholds = thresholds

    @classmethod
    def over(cls, db: Database, clock: Clock) -> Reports:
        return cls(Monitoring(db, clock), ThresholdStore(db, clock))

    async def week_for(self, org_id: int, text: str | None = None) -> Week:
        """The week named by ``text`` (any of its days, or 2026-W48), else the current one."""
        tree = await self.monitoring.tree(org_id)
        if text:
            return Week.parse(text, tree.timezone(org_id))
        return self.monitoring.current_week(tree, org_id)

    async def unit_report(self, org_id: int, week: Week | None = None) -> UnitReport:
        monitoring = self.monitoring
        tree = await monitoring.tree(org_id)
        unit = tree.unit(org_id)
        week = week or monitoring.current_week(tree, org_id)
        # The parent's subtree: the unit's siblings are ranked against it.
        parent = unit.parent_id
        scope = parent if parent is not None and parent in tree else unit.id
        now, before = await asyncio.gather(
            monitoring.school_weeks(tree, scope, week),
            monitoring.school_weeks(tree, scope, week.previous()),
        )
        thresholds = await self.thresholds.for_region(unit.region_code)
        report = UnitReport(
            unit=unit,
            week=week,
            current=monitoring.unit_counts(tree, org_id, now),
            previous=monitoring.unit_counts(tree, org_id, before),
            thresholds=thresholds,
            path=list(reversed(tree.ancestors(org_id))),
            source=_source({s: now[s] for s in tree.schools(org_id) if s in now}),
        )
        siblings = tree.siblings(org_id)
        if len(siblings) > 1:
            placed = rank(
                [UnitWeek(u, week, monitoring.unit_counts(tree, u.id, now)) for u in siblings]
            )
            mine = next(r for r in placed if r.row.unit.id == org_id)
            report.rank, report.of = mine.rank, mine.of
        kids = tree.kids(org_id)
        report.children = rank(
            [UnitWeek(u, week, monitoring.unit_counts(tree, u.id, now)) for u in kids],
            {u.id: monitoring.unit_counts(tree, u.id, before) for u in kids},
        )
        report.inactive = await self._inactive(tree, org_id, now)
        return report

    async def _inactive(
        self, tree: OrgTree, org_id: int, rows: dict[int, SchoolWeek]
    ) -> list[InactiveSchool]:
        schools = [s for s in tree.schools(org_id) if s in rows and not rows[s].connected]
        admins = await self.monitoring.admins(schools)
        found: list[InactiveSchool] = []
        for school in schools:
            unit = tree.unit(school)
            parent = tree.units.get(unit.parent_id) if unit.parent_id is not None else None
            found.append(
                InactiveSchool(
                    unit,
                    parent.name if parent and parent.kind != OrgKind.REGION else "",
                    rows[school].has_groups,
                    rows[school].staff_registered,
                    tuple(
                        (f"{a['first_name']} {a['last_name']}".strip(), a["vk_user_id"])
                        for a in admins.get(school, [])
                    ),
                )
            )
        found.sort(key=lambda s: (s.parent.casefold(), s.unit.name.casefold()))
        return found

    async def weekly_table(
        self, org_id: int, weeks: int = 8, until: Week | None = None
    ) -> list[TableRow]:
        """The unit's weekly table, oldest week first, ``weeks`` rows ending with ``until``
        (the current week by default)."""
        monitoring = self.monitoring
        tree = await monitoring.tree(org_id)
        last = until or monitoring.current_week(tree, org_id)
        span = last.last(max(1, min(weeks, 104)))
        # Weeks are independent: computed side by side on the database's readers.
        per_week = await asyncio.gather(
            *(monitoring.school_weeks(tree, org_id, week) for week in [span[0].previous(), *span])
        )
        counts = [monitoring.unit_counts(tree, org_id, rows) for rows in per_week]
        return [TableRow(week, counts[i + 1], counts[i]) for i, week in enumerate(span)]

    async def region_thresholds(self, org_id: int) -> Thresholds:
        tree = await self.monitoring.tree(org_id)
        return await self.thresholds.for_region(tree.unit(org_id).region_code)
