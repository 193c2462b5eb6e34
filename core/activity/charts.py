"""Charts as server-rendered SVG: pictures, not numbers, with no JavaScript and no build step.

Readable on a phone: a 360-unit-wide view box scaled to the screen, 11–13-unit text. Colours are
presentation attributes (not ``style``), which the mini-app's Content-Security-Policy allows.
Every text comes from the caller (labels in templates) and is XML-escaped here.

A target (the region's 2022–2023 goal of a metric, core/activity/targets.py) is a dashed line
across the plot with its label: horizontal on a line chart, vertical on a bar chart (its bars are
horizontal). The line carries ``data-target`` (the percentage) for tools and tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from .texts import pct, week_short
from .thresholds import Colour, Threshold
from .weeks import Week

WIDTH = 360
COLOURS = {
    Colour.GOOD: "#2e9e5b",
    Colour.AVERAGE: "#d99a00",
    Colour.BELOW: "#d64545",
    Colour.NONE: "#4a76a8",
}
BANDS = {Colour.GOOD: "#e3f4ea", Colour.AVERAGE: "#fff4d6", Colour.BELOW: "#fbe4e4"}
SERIES_COLOURS = ("#4a76a8", "#8e5bb5", "#e07b39", "#2a9d8f")
FONT = 'font-family="-apple-system, Roboto, Helvetica, Arial, sans-serif"'


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class TargetLine:
    """A goal drawn on a chart: ``value`` in percent, ``label`` its Russian caption."""

    value: float
    label: str


TARGET_STROKE = "#1f2d3d"
TARGET_DASH = 'stroke-dasharray="6 4"'


def _text(x: float, y: float, text: str, *, size: int = 11, anchor: str = "start",
          fill: str = "#333", weight: str = "normal") -> str:  # fmt: skip
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}">{escape(text)}</text>'
    )


def _svg(height: float, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="100%" role="img" aria-label="{escape(title)}" {FONT}>'
        # A page's CSS may style ``svg`` (fill, stroke): the group resets what children inherit.
        f'<title>{escape(title)}</title><g fill="none" stroke="none" stroke-width="1">'
        + "".join(body)
        + "</g></svg>"
    )


def line_chart(
    title: str,
    weeks: Sequence[Week],
    series: Sequence[Series],
    threshold: Threshold | None = None,
    target: TargetLine | None = None,
) -> str:
    """Shares (0–100 %) over weeks; with one series and a threshold, the norm bands behind;
    with a target, its dashed line and label."""
    legend = len(series) > 1
    left, right, top, bottom = 34.0, 12.0, 44.0 if legend else 30.0, 28.0
    height = 224.0 if legend else 210.0
    plot_w, plot_h = WIDTH - left - right, height - top - bottom

    def y_of(value: float) -> float:
        return top + plot_h * (1 - max(0.0, min(100.0, value)) / 100)

    def x_of(index: int) -> float:
        return left + (plot_w * index / (len(weeks) - 1) if len(weeks) > 1 else plot_w / 2)

    body = [_text(left, 16, title, size=13, weight="600")]
    if threshold is not None and len(series) == 1:
        low = threshold.low if threshold.low is not None else threshold.good
        for colour, (a, b) in (
            (Colour.BELOW, (0.0, low)),
            (Colour.AVERAGE, (low, threshold.good)),
            (Colour.GOOD, (threshold.good, 100.0)),
        ):
            if b > a:
                body.append(
                    f'<rect x="{left}" y="{y_of(b):.1f}" width="{plot_w}" '
                    f'height="{y_of(a) - y_of(b):.1f}" fill="{BANDS[colour]}"/>'
                )
    for mark in (0, 25, 50, 75, 100):
        y = y_of(mark)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" '
            f'stroke="#ddd" stroke-width="0.6"/>'
        )
        body.append(_text(left - 4, y + 3.5, f"{mark}", size=10, anchor="end", fill="#888"))
    if target is not None:
        y = y_of(target.value)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" '
            f'stroke="{TARGET_STROKE}" stroke-width="1.2" {TARGET_DASH} '
            f'data-target="{target.value:g}"/>'
        )
        body.append(_text(left + 4, y - 4, target.label, size=10, fill=TARGET_STROKE))
    step = max(1, len(weeks) // 6)
    for index, week in enumerate(weeks):
        if index % step == 0 or index == len(weeks) - 1:
            body.append(
                _text(
                    x_of(index),
                    height - 10,
                    week_short(week),
                    size=10,
                    anchor="middle",
                    fill="#888",
                )
            )
    for number, line in enumerate(series):
        stroke = SERIES_COLOURS[number % len(SERIES_COLOURS)]
        points = [(x_of(i), y_of(v)) for i, v in enumerate(line.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(
                f'<polyline points="{path}" fill="none" stroke="{stroke}" stroke-width="2.2" '
                f'stroke-linejoin="round"/>'
            )
        for x, y in points:
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.8" fill="{stroke}"/>')
        last = next((v for v in reversed(line.values) if v is not None), None)
        if points and last is not None and len(series) == 1:
            x, y = points[-1]
            body.append(_text(x - 4, y - 7, pct(last), size=11, anchor="end", fill=stroke,
                              weight="600"))  # fmt: skip
    if legend:
        x = left
        for number, line in enumerate(series):
            stroke = SERIES_COLOURS[number % len(SERIES_COLOURS)]
            body.append(
                f'<rect x="{x:.1f}" y="{top - 9:.1f}" width="9" height="3" fill="{stroke}"/>'
            )
            body.append(_text(x + 12, top - 5, line.name, size=10, fill="#555"))
            x += 14 + 6.2 * len(line.name) + 12
    return _svg(height, title, body)


def bar_chart(
    title: str,
    items: Sequence[tuple[str, float | None, Colour]],
    target: TargetLine | None = None,
) -> str:
    """One horizontal bar per unit (a share, 0–100 %), coloured by its threshold; a target is
    a dashed vertical line over the bars with its label above them."""
    label_w, right, top, bar_h, gap = 128.0, 46.0, 26.0 if target is None else 38.0, 14.0, 6.0
    height = top + len(items) * (bar_h + gap) + 6
    plot_w = WIDTH - label_w - right
    body = [_text(4, 16, title, size=13, weight="600")]
    for index, (name, value, colour) in enumerate(items):
        y = top + index * (bar_h + gap)
        short = name if len(name) <= 22 else name[:21] + "…"
        body.append(_text(label_w - 6, y + bar_h - 3, short, size=11, anchor="end"))
        body.append(
            f'<rect x="{label_w}" y="{y:.1f}" width="{plot_w}" height="{bar_h}" fill="#f2f3f5"/>'
        )
        if value is not None:
            width = plot_w * max(0.0, min(100.0, value)) / 100
            body.append(
                f'<rect x="{label_w}" y="{y:.1f}" width="{width:.1f}" height="{bar_h}" '
                f'fill="{COLOURS[colour]}"/>'
            )
        body.append(_text(WIDTH - right + 4, y + bar_h - 3, pct(value), size=11))
    if target is not None:
        x = label_w + plot_w * max(0.0, min(100.0, target.value)) / 100
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 4:.1f}" x2="{x:.1f}" y2="{height - 2:.1f}" '
            f'stroke="{TARGET_STROKE}" stroke-width="1.2" {TARGET_DASH} '
            f'data-target="{target.value:g}"/>'
        )
        # Centred over the line, kept inside the picture (about 5.6 units a character).
        half = 2.8 * len(target.label)
        middle = max(half + 2, min(WIDTH - half - 2, x))
        body.append(
            _text(middle, top - 7, target.label, size=10, anchor="middle", fill=TARGET_STROKE)
        )
    return _svg(height, title, body)
