"""The codes a block is recorded with, their staff labels, and the configured medicine durations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Facet joint levels, neck to low back (each pair of medial branches is blocked at a joint level).
LEVELS = (
    "C2-3",
    "C3-4",
    "C4-5",
    "C5-6",
    "C6-7",
    "C7-T1",
    "T1-2",
    "T2-3",
    "T3-4",
    "T4-5",
    "T5-6",
    "T6-7",
    "T7-8",
    "T8-9",
    "T9-10",
    "T10-11",
    "T11-12",
    "T12-L1",
    "L1-2",
    "L2-3",
    "L3-4",
    "L4-5",
    "L5-S1",
)
SIDES = {"left": "Left", "right": "Right", "both": "Both sides"}
MEDICINES = {"lidocaine": "Lidocaine", "bupivacaine": "Bupivacaine", "ropivacaine": "Ropivacaine", "other": "Other"}
SEDATION = {"none": "None", "minimal": "Minimal (anxiolysis)", "more_than_minimal": "More than minimal"}


def medicine_hours(config: Mapping[str, Any]) -> dict[str, float]:
    """DIARY_MEDICINE_HOURS ("lidocaine=2, bupivacaine=6") as {medicine: hours}; a bad setting fails at start-up."""
    hours = {}
    for part in str(config["DIARY_MEDICINE_HOURS"]).split(","):
        name, _, value = part.partition("=")
        name = name.strip().lower()
        if not name:
            continue
        if name not in MEDICINES or name == "other":
            raise ValueError(f"DIARY_MEDICINE_HOURS: unknown medicine {name!r}")
        hours[name] = float(value)
        if not 0 < hours[name] <= 48:
            raise ValueError(f"DIARY_MEDICINE_HOURS: {name} must last between 0 and 48 hours")
    missing = set(MEDICINES) - {"other"} - set(hours)
    if missing:
        raise ValueError(f"DIARY_MEDICINE_HOURS: no hours for {', '.join(sorted(missing))}")
    return hours


def schedule(config: Mapping[str, Any]) -> list[int]:
    minutes = sorted({int(m) for m in config["DIARY_SCHEDULE_MINUTES"]})
    if not minutes or minutes[0] <= 0:
        raise ValueError("DIARY_SCHEDULE_MINUTES: at least one time, each after the injection")
    return minutes
