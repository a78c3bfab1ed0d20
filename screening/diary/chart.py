"""The relief chart's geometry, worked out here so the template only draws (server-rendered SVG, no script)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .assess import CRITERION, HALF, Result

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 48


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot: tuple[float, float, float, float]  # x, y, width, height of the plotting area
    shade_width: float  # the medicine's expected duration, from the injection
    line: str  # polyline points
    dots: tuple[tuple[float, float, int, str], ...]  # x, y, relief, hours label
    x_ticks: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, int], ...]
    y_80: float
    y_50: float


def chart(result: Result, last_slot_minutes: int) -> Chart:
    """Relief (0-100%, worse pain drawn at 0) against hours after the injection."""
    span_hours = max(
        1, math.ceil(max([last_slot_minutes, result.expected_minutes, *(p.minutes for p in result.points)]) / 60)
    )
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(minutes: float) -> float:
        return round(LEFT + max(0.0, minutes) / (span_hours * 60) * plot_w, 1)

    def y(percent: float) -> float:
        return round(TOP + (100 - min(100, max(0, percent))) / 100 * plot_h, 1)

    dots = tuple(
        (x(p.minutes), y(p.relief), p.relief, f"{p.minutes / 60:.2g}") for p in result.points if p.relief is not None
    )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        plot=(LEFT, TOP, plot_w, plot_h),
        shade_width=round(x(result.expected_minutes) - LEFT, 1),
        line=" ".join(f"{dx},{dy}" for dx, dy, _, _ in dots),
        dots=dots,
        x_ticks=tuple((x(h * 60), str(h)) for h in range(span_hours + 1)),
        y_ticks=tuple((y(p), p) for p in range(0, 101, 25)),
        y_80=y(CRITERION),
        y_50=y(HALF),
    )
