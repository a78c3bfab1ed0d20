"""`make bench` with tiny counts, so that it cannot rot: every figure of the report, each with its target."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .journeys import ROOT

LOAD_FIGURES = {"journeys_requests_per_s", "cpu_per_request", "journeys_vs_durable_insert"}
FIGURES = {
    "queue_p95",
    "search_name_p95",
    "search_phone_p95",
    "intake_p95",
    "queue_csv_rows_per_s",
    "queue_csv_memory",
    "screenings_csv_rows_per_s",
    "screenings_csv_memory",
    "page_requests_later",
    "page_gzip_later",
    "startup",
}
WITHOUT_TARGET = {"intake_p95", "journeys_vs_durable_insert_2", "journeys_vs_durable_insert_3"}
WITHOUT_BASELINE = {"queue_csv_memory", "screenings_csv_memory"}


@pytest.mark.slow
def test_bench_reports_every_figure_with_its_target_and_baseline(tmp_path):
    out = tmp_path / "report.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--clients",
            "2,3",
            "--seconds",
            "1",
            "--repeats",
            "2",
            "--sizes",
            "30,60",
            "--samples",
            "2",
            "--startup-repeats",
            "1",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(out.read_text())

    figures = {f["key"]: f for f in report["figures"]}
    expected = FIGURES | {f"{name}_{clients}" for name in LOAD_FIGURES for clients in (2, 3)}
    assert set(figures) == expected
    for key, f in figures.items():
        assert f["app"]["min"] <= f["app"]["median"] <= f["app"]["max"], key
        assert f["target"], key
        assert (f["met"] is None) == (key in WITHOUT_TARGET), key
        assert (f["baseline"] is None) == (key in WITHOUT_BASELINE), key
        assert f["label"] in result.stdout, key  # printed, not only written
    for key in ("journeys_requests_per_s_2", "cpu_per_request_3", "queue_p95"):
        assert figures[key]["ratio"]["runs"] == 2, "each run is alternated with its baseline and repeated"

    for clients in ("2", "3"):
        kinds = report["load"][clients]["app"]["latency_ms"]
        assert {"GET /step/*", "POST /step/*", "GET /summary", "POST /request", "GET /done"} <= set(kinds)
        assert all(lat["p50"] <= lat["p95"] <= lat["p99"] for lat in kinds.values())
        assert report["load"][clients]["app"]["journeys_per_s"]["median"] > 0
        assert report["load"][clients]["hello"]["cpu_ms_per_request"]["median"] > 0
    assert report["exports"]["queue_csv"]["rows"] == 60
    assert report["exports"]["screenings_csv"]["rows"] == 60
    assert "/step/" in "".join(report["page_weight"]["pages"])
    assert report["cores"] and report["date"] and "gunicorn" in report["command"]
