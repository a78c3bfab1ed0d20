"""Small summaries of repeated measurements."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def spread(values: Sequence[float]) -> dict[str, float]:
    """min / median / max of repeated runs (each run alternated with its baseline)."""
    values = list(values)
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "runs": len(values)}


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (p95 of 20 samples is the 19th smallest)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-int(fraction * 1000) * len(ordered) // 1000)))
    return ordered[rank - 1]


def latency(samples_ms: Sequence[float]) -> dict[str, float]:
    return {
        "count": len(samples_ms),
        "p50": percentile(samples_ms, 0.50),
        "p95": percentile(samples_ms, 0.95),
        "p99": percentile(samples_ms, 0.99),
    }
