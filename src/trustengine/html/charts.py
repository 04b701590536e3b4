"""Charts as inline SVG, written by hand: bars, stacked bars, lines and a histogram.

No chart library and no script: each function returns one ``<svg>`` element with its
size in its attributes, a ``<title>`` for screen readers, and its marks (``rect``,
``polyline``, ``circle``) classed ``mark`` so a test can find them. A chart with nothing
to draw is a short sentence instead of an empty frame. Every label passes through
:func:`~trustengine.html.page.esc`, and a label or series name (which can be a category
or cause from the ledger) sits between the Unicode isolates FSI and PDI
(:func:`~trustengine.html.page.isolated_text`): a Persian label keeps its punctuation at
its own end, and the chart's layout (``text-anchor``) stays left to right.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from trustengine.html.page import esc, isolated_text

PALETTE = ("#2f6fb0", "#c0392b", "#8e9aa6", "#27ae60", "#e67e22", "#8e44ad")
"""Series colours, in order: blue, red, grey, green, orange, purple."""
GOOD, LATE, BAD, WAITING = "#27ae60", "#e67e22", "#c0392b", "#8e9aa6"
"""Colours of outcomes in stacked bars: done well, done late, failed, not yet settled."""

WIDTH = 640
ROW = 22
"""Height of one bar in a horizontal chart, gap included."""
LABEL = 170
"""Width kept for the labels left of horizontal bars."""


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(width: int, height: int, title: str, body: str) -> str:
    return (
        f'<svg class="chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img">'
        f"<title>{esc(title)}</title>{body}</svg>"
    )


def _empty(title: str) -> str:
    return f'<p class="meta">{esc(title)}: nothing to chart.</p>'


def _legend(series: Sequence[str], y: int, x: int = LABEL, colours: Sequence[str] = PALETTE) -> str:
    parts = []
    for index, name in enumerate(series):
        colour = colours[index % len(colours)]
        parts.append(
            f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{y + 9}">{isolated_text(name)}</text>'
        )
        x += 24 + 7 * len(name)
    return "".join(parts)


def bar_chart(items: Sequence[tuple[str, float]], *, title: str, unit: str = "") -> str:
    """Horizontal bars, one per (label, value), longest scaled to the chart's width."""
    if not items or not any(value for _, value in items):
        return _empty(title)
    top = max(value for _, value in items)
    span = WIDTH - LABEL - 60
    parts = []
    for index, (label, value) in enumerate(items):
        y = 6 + index * ROW
        length = span * value / top if top else 0
        parts.append(
            f'<text x="{LABEL - 6}" y="{y + 13}" text-anchor="end">{isolated_text(label)}</text>'
            f'<rect class="mark" x="{LABEL}" y="{y}" width="{_f(max(length, 1))}" '
            f'height="{ROW - 6}" fill="{PALETTE[0]}"><title>{isolated_text(label)}: '
            f"{_f(value)}{esc(unit)}</title></rect>"
            f'<text x="{_f(LABEL + length + 4)}" y="{y + 13}">{_f(value)}{esc(unit)}</text>'
        )
    return _svg(WIDTH, 12 + len(items) * ROW, title, "".join(parts))


def stacked_bars(
    rows: Sequence[tuple[str, Sequence[float]]],
    series: Sequence[str],
    *,
    title: str,
    colours: Sequence[str] = PALETTE,
) -> str:
    """Horizontal bars split into ``series`` segments (in ``colours``), each row scaled
    to 100%."""
    if not rows or not any(sum(values) for _, values in rows):
        return _empty(title)
    span = WIDTH - LABEL - 20
    parts = []
    for index, (label, values) in enumerate(rows):
        y = 6 + index * ROW
        total = sum(values)
        parts.append(
            f'<text x="{LABEL - 6}" y="{y + 13}" text-anchor="end">{isolated_text(label)}</text>'
        )
        x = float(LABEL)
        for number, value in enumerate(values):
            if not value:
                continue
            length = span * value / total
            name = series[number]
            parts.append(
                f'<rect class="mark" x="{_f(x)}" y="{y}" width="{_f(length)}" '
                f'height="{ROW - 6}" fill="{colours[number % len(colours)]}">'
                f"<title>{isolated_text(label)}, {isolated_text(name)}: {_f(value)}</title></rect>"
            )
            x += length
    legend_y = 10 + len(rows) * ROW
    parts.append(_legend(series, legend_y, colours=colours))
    return _svg(WIDTH, legend_y + 18, title, "".join(parts))


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    low: float | None = None,
    high: float | None = None,
    positions: Sequence[float] | None = None,
    ticks: Sequence[float] | None = None,
) -> str:
    """One line per series over ``labels``; None is a gap. The y axis runs from ``low`` to
    ``high`` (default: the data's range, including 0), with a grid line at each of
    ``ticks`` (default: bottom, middle, top).

    Points are evenly spaced (periods), or placed by ``positions`` (one number per label,
    such as a timestamp): then only the first and last labels are written under the axis,
    and each point's label is in its tooltip."""
    values = [v for _, points in series for v in points if v is not None]
    if not labels or not values:
        return _empty(title)
    if positions is not None and len(positions) != len(labels):
        raise ValueError("line_chart: one position per label")
    bottom = min([*values, 0.0]) if low is None else low
    top = max([*values, 0.0]) if high is None else high
    if top == bottom:
        top = bottom + 1
    height, left, right, upper, lower = 240, 48, 36, 12, 40
    plot_w, plot_h = WIDTH - left - right, height - upper - lower

    def x_at(index: int) -> float:
        if positions is not None:
            first, span = positions[0], (positions[-1] - positions[0])
            return left + (plot_w * (positions[index] - first) / span if span else plot_w / 2)
        return left + (plot_w * index / (len(labels) - 1) if len(labels) > 1 else plot_w / 2)

    def y_at(value: float) -> float:
        return upper + plot_h * (top - value) / (top - bottom)

    parts = []
    for tick in ticks if ticks is not None else (bottom, (bottom + top) / 2, top):
        y = y_at(tick)
        parts.append(
            f'<line x1="{left}" y1="{_f(y)}" x2="{WIDTH - right}" y2="{_f(y)}" stroke="#e3e7eb"/>'
            f'<text x="{left - 6}" y="{_f(y + 4)}" text-anchor="end">{_f(tick)}</text>'
        )
    step = max(1, math.ceil(len(labels) * 64 / plot_w))  # labels at least 64 px apart
    for index, label in enumerate(labels):
        if positions is not None:
            shown = index in (0, len(labels) - 1) and (index == 0 or len(labels) > 1)
        else:
            shown = (len(labels) - 1 - index) % step == 0  # the latest period always labelled
        if shown:
            parts.append(
                f'<text x="{_f(x_at(index))}" y="{height - lower + 16}" '
                f'text-anchor="middle">{isolated_text(label)}</text>'
            )
    for number, (name, points) in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        runs: list[list[tuple[float, float]]] = [[]]
        for index, value in enumerate(points):
            if value is None:
                runs.append([])
                continue
            x, y = x_at(index), y_at(value)
            runs[-1].append((x, y))
            parts.append(
                f'<circle class="mark" cx="{_f(x)}" cy="{_f(y)}" r="3.5" fill="{colour}">'
                f"<title>{isolated_text(name)}, {esc(labels[index])}: {_f(value)}</title></circle>"
            )
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{_f(x)},{_f(y)}" for x, y in run)
                parts.append(
                    f'<polyline class="mark" points="{path}" fill="none" '
                    f'stroke="{colour}" stroke-width="2"/>'
                )
    legend = _legend([name for name, _ in series], height - 14, left)
    return _svg(WIDTH, height, title, "".join(parts) + legend)


def histogram(bins: Sequence[tuple[str, int]], *, title: str) -> str:
    """Vertical bars, one per (bin label, count), side by side."""
    if not bins or not any(count for _, count in bins):
        return _empty(title)
    height, left, lower, upper = 220, 36, 34, 18
    plot_h = height - lower - upper
    slot = (WIDTH - left - 8) / len(bins)
    top = max(count for _, count in bins)
    parts = [
        f'<line x1="{left}" y1="{height - lower}" x2="{WIDTH - 8}" y2="{height - lower}" '
        'stroke="#8e9aa6"/>'
    ]
    for index, (label, count) in enumerate(bins):
        x = left + index * slot
        bar = plot_h * count / top
        y = height - lower - bar
        parts.append(
            f'<text x="{_f(x + slot / 2)}" y="{height - lower + 16}" '
            f'text-anchor="middle">{isolated_text(label)}</text>'
        )
        if count:
            parts.append(
                f'<rect class="mark" x="{_f(x + 2)}" y="{_f(y)}" width="{_f(slot - 4)}" '
                f'height="{_f(bar)}" fill="{PALETTE[0]}">'
                f"<title>{isolated_text(label)}: {count}</title>"
                f'</rect><text x="{_f(x + slot / 2)}" y="{_f(y - 4)}" '
                f'text-anchor="middle">{count}</text>'
            )
    return _svg(WIDTH, height, title, "".join(parts))


__all__ = ["bar_chart", "histogram", "line_chart", "stacked_bars"]
