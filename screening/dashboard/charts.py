"""Bar charts as plain geometry, drawn as SVG by templates/dashboard/_chart.html: no script, no library.

Pure: categories and values in, rectangles, gridlines and labels out. Each chart carries its text
alternative (a title and a description listing every value), and the page shows the same numbers in a
table beside it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 28, 44
MAX_LABELLED_CATEGORIES = 13  # beyond this, every other week's label and no value labels (they would overlap)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    fill: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    fill: str
    label: str  # the value in words, drawn above the bar when there is room


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    gridlines: list[tuple[float, str]]
    bars: list[Bar]
    categories: list[tuple[float, str]]
    legend: list[tuple[float, str, str]]
    value_labels: bool


def nice_maximum(largest: float) -> float:
    """A round top for the axis (1, 2, 5 times a power of ten) at or above `largest`; 1 for an empty chart."""
    if largest <= 0:
        return 1
    power = 10 ** math.floor(math.log10(largest))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= largest)


def bar_chart(
    chart_id: str,
    title: str,
    summary: str,
    categories: Sequence[str],
    series: Sequence[Series],
    value_text: Callable[[float | None], str],
    maximum: float | None = None,
    ticks: int = 4,
    counts: bool = False,
) -> Chart:
    """Grouped vertical bars, one group per category, one bar per series; a missing value draws no bar.
    With `counts`, the gridlines fall on whole numbers (no "1.5 requests")."""
    values = [v for s in series for v in s.values if v is not None]
    top = maximum if maximum is not None else nice_maximum(max(values, default=0))
    if counts:
        top = max(top, 1)
        ticks = int(top) if top <= 5 else 5  # a nice maximum above 5 (10, 20, 50...) divides by 5
    plot_left, plot_right, plot_top, plot_bottom = LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM
    band = (plot_right - plot_left) / max(len(categories), 1)
    bar_width = band * 0.7 / max(len(series), 1)
    bars = []
    for index in range(len(categories)):
        for number, line in enumerate(series):
            value = line.values[index]
            if value is None:
                continue
            height = (plot_bottom - plot_top) * min(value, top) / top
            x = plot_left + band * index + band * 0.15 + bar_width * number
            bars.append(
                Bar(
                    round(x, 1),
                    round(plot_bottom - height, 1),
                    round(bar_width, 1),
                    round(height, 1),
                    line.fill,
                    value_text(value),
                )
            )
    labelled = len(categories) <= MAX_LABELLED_CATEGORIES
    every = 1 if labelled else 2
    category_labels = [
        (round(plot_left + band * (i + 0.5), 1), name) for i, name in enumerate(categories) if i % every == 0
    ]
    gridlines = [
        (round(plot_bottom - (plot_bottom - plot_top) * n / ticks, 1), value_text(top * n / ticks))
        for n in range(ticks + 1)
    ]
    legend = [(plot_left + 160 * n, line.name, line.fill) for n, line in enumerate(series)]
    listed = "; ".join(
        f"{name}: " + ", ".join(f"{line.name.lower()} {value_text(line.values[i])}" for line in series)
        for i, name in enumerate(categories)
    )
    description = f"{summary} {listed}." if categories else f"{summary} No weeks to show."
    return Chart(
        chart_id,
        title,
        description,
        WIDTH,
        HEIGHT,
        plot_left,
        plot_right,
        plot_top,
        plot_bottom,
        gridlines,
        bars,
        category_labels,
        legend,
        labelled,
    )
