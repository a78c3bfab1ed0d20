"""The result of a diagnostic block from its pain diary, and the two-block decision. Pure: dicts in, results out.

Rules (Medicare LCD L38803 and the team's reading of it):
- relief at an entry = (baseline - pain now) / baseline x 100, rounded half up to a whole percent;
- only entries within the medicine's expected duration count towards the peak;
- positive: peak >= 80; partial: 50-79; negative: < 50;
- indeterminate, with every reason in words: no usual pain recorded, usual pain 0, fewer than two entries within
  the expected duration, pain medicine taken at or before the peak, or more than minimal sedation.
Corrections: every entry is kept; for each scheduled time the entry recorded last wins (its pain and the time it
describes). Entries are then read in the order of the time they describe, so a late entry counts at its real time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

POSITIVE, PARTIAL, NEGATIVE, INDETERMINATE = "positive", "partial", "negative", "indeterminate"
OUTCOMES = (POSITIVE, PARTIAL, NEGATIVE, INDETERMINATE)
CRITERION = 80  # the coverage rules' threshold for a second block and for ablation
HALF = 50
SEDATIONS = ("none", "minimal", "more_than_minimal")


def relief(baseline: int, pain: int) -> int:
    """Percent relief, rounded half up (62.5 -> 63); negative when the pain got worse."""
    difference = 200 * (baseline - pain)
    return (difference + baseline) // (2 * baseline)


@dataclass(frozen=True)
class Point:
    """One scheduled time as the result reads it: the latest entry recorded for it."""

    slot: int  # scheduled minutes after the injection
    minutes: float  # real minutes after the injection that the entry describes
    pain: int
    relief: int | None
    medicine: bool
    within: bool  # inside the medicine's expected duration


@dataclass(frozen=True)
class Result:
    outcome: str
    reasons: tuple[str, ...]
    peak: int | None
    peak_minutes: float | None
    minutes_at_80: float | None
    minutes_at_50: float | None
    still_at_80: bool  # still at or above 80% at the last entry: the duration is "at least"
    still_at_50: bool
    points: tuple[Point, ...] = field(default_factory=tuple)
    expected_minutes: float = 0

    @property
    def summary(self) -> str:
        words = {POSITIVE: "Positive", PARTIAL: "Partial", NEGATIVE: "Negative", INDETERMINATE: "Indeterminate"}
        text = words[self.outcome]
        if self.peak is not None and self.outcome != INDETERMINATE:
            text += f": peak relief {self.peak}%"
        if self.reasons:
            text += " (" + "; ".join(self.reasons) + ")"
        return text


def latest_per_slot(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Corrections: for each scheduled time, the entry recorded last (highest `seq`) wins; in time order."""
    latest: dict[int, dict[str, Any]] = {}
    for entry in sorted(entries, key=lambda e: e["seq"]):
        latest[entry["slot"]] = entry
    return sorted(latest.values(), key=lambda e: (e["minutes"], e["slot"]))


def _duration_at(points: list[Point], threshold: int) -> tuple[float | None, bool]:
    """Minutes from the first entry at or above `threshold` to the last one of that unbroken run (a lower bound:
    relief may have lasted until the next entry), and whether the run reaches the last entry."""
    start = end = None
    for point in points:
        if point.relief is None:
            continue
        if point.relief >= threshold:
            start = point.minutes if start is None else start
            end = point.minutes
        elif start is not None:
            return end - start, False
    return (None, False) if start is None else (end - start, True)


def assess(
    baseline: int | None, entries: list[dict[str, Any]], expected_hours: float, sedation: str = "none"
) -> Result:
    """The block's result. `entries`: dicts with slot, minutes (real time after the injection), pain,
    medicine (pain medicine taken since the previous entry) and seq (the order they were recorded)."""
    expected_minutes = expected_hours * 60
    readings = latest_per_slot(entries)
    usable = bool(baseline)
    points = [
        Point(
            slot=e["slot"],
            minutes=e["minutes"],
            pain=e["pain"],
            relief=relief(baseline, e["pain"]) if usable else None,
            medicine=bool(e["medicine"]),
            within=0 <= e["minutes"] <= expected_minutes,
        )
        for e in readings
    ]
    within = [p for p in points if p.within]
    reasons = []
    if baseline is None:
        reasons.append("the usual pain before the block was not recorded")
    elif baseline == 0:
        reasons.append("the usual pain before the block was 0, so relief cannot be measured")
    if len(within) < 2:
        reasons.append(f"fewer than two entries within the medicine's expected {expected_hours:g} hours")
    if sedation == "more_than_minimal":
        reasons.append("more than minimal sedation (the coverage rules count only blocks without it)")
    peak = peak_minutes = None
    if usable and within:
        best = max(within, key=lambda p: (p.relief, -p.minutes))
        peak, peak_minutes = best.relief, best.minutes
        if any(p.medicine and p.minutes <= best.minutes for p in points):
            reasons.append("pain medicine was taken before the peak relief")
    at_80, still_80 = _duration_at(points, CRITERION) if usable else (None, False)
    at_50, still_50 = _duration_at(points, HALF) if usable else (None, False)
    if reasons:
        outcome = INDETERMINATE
    elif peak >= CRITERION:
        outcome = POSITIVE
    elif peak >= HALF:
        outcome = PARTIAL
    else:
        outcome = NEGATIVE
    return Result(
        outcome, tuple(reasons), peak, peak_minutes, at_80, at_50, still_80, still_50, tuple(points), expected_minutes
    )


@dataclass(frozen=True)
class Block:
    """What the episode compares: the block as recorded and its result."""

    number: int
    levels: tuple[str, ...]
    side: str
    medicine: str
    expected_hours: float
    result: Result


def durations_agree(first: Block, second: Block) -> tuple[bool | None, str]:
    """Comparative blocks: the longer-acting medicine should give the longer relief (at or above 50%).
    None when the medicines act as long as each other or a duration is missing."""
    if first.expected_hours == second.expected_hours:
        return None, "Both blocks used medicines expected to last as long: no comparison of durations."
    longer, shorter = sorted((first, second), key=lambda b: b.expected_hours, reverse=True)
    if longer.result.minutes_at_50 is None or shorter.result.minutes_at_50 is None:
        return None, "The durations cannot be compared: a block gave no relief of 50% or more."
    if longer.result.minutes_at_50 > shorter.result.minutes_at_50:
        return True, (
            f"The durations agree with the medicines: {longer.medicine} (longer-acting) gave the longer relief."
        )
    return False, (
        f"The durations do not agree with the medicines: {longer.medicine} (longer-acting) did not give "
        "the longer relief."
    )


def episode(first: Block | None, second: Block | None) -> str:
    """The two-block decision in words, for the physician (the coverage rules; the physician decides)."""
    if first is None:
        return "No block recorded yet."
    one = first.result
    if one.outcome == INDETERMINATE:
        return "The first block is indeterminate (" + "; ".join(one.reasons) + "): the physician decides what next."
    if one.outcome in (NEGATIVE, PARTIAL):
        return (
            f"The first block gave {one.peak}% peak relief, under 80%: a second diagnostic block is not "
            "indicated under the coverage rules."
        )
    if second is None:
        return "The first block is positive: a second (confirmatory) diagnostic block is the next step."
    two = second.result
    if two.outcome != POSITIVE:
        return f"The second block did not confirm ({two.summary}): the 80% criterion for ablation is not met."
    if set(first.levels) != set(second.levels) or first.side != second.side:
        return (
            "Both blocks are positive but at different levels or sides: the 80% criterion needs the same "
            "levels and side."
        )
    return (
        "Meets the 80% criterion for radiofrequency ablation: two blocks at the same levels and side, each 80% or more."
    )
