"""`make bench` / `python -m bench`: every figure of issue 15 next to its target and its baseline, in one run.

Loopback only (127.0.0.1), bounded in time and count; the options shrink or grow each part. Prints a report and
writes it as JSON (instance/bench-report.json unless --out says otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from . import load, pages, seed, startup, weight
from .baselines import insert
from .procs import WORKERS, BenchServer
from .stats import latency, spread

ROOT = Path(__file__).resolve().parent.parent
COMMAND = f"gunicorn --workers {WORKERS} --bind 127.0.0.1:PORT run:app"
APPS = {"app": "run:app", "hello": "bench.baselines.hello:app", "insert": "bench.baselines.insert:app"}
KB = 1024


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def options(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--clients", type=_numbers, default=[8, 32], help="virtual patients at once (8,32)")
    parser.add_argument("--seconds", type=float, default=8, help="length of each load run (8)")
    parser.add_argument("--repeats", type=int, default=3, help="alternated runs of each load and export (3)")
    parser.add_argument("--sizes", type=_numbers, default=[1000, 10000, 100000], help="requests seeded")
    parser.add_argument("--samples", type=int, default=20, help="visits of each staff page per round (20)")
    parser.add_argument("--startup-repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "instance" / "bench-report.json")
    return parser.parse_args(argv)


def figure(
    key: str,
    label: str,
    unit: str,
    app: dict,
    baseline: dict | None,
    baseline_label: str,
    ratio: dict | None,
    target: str,
    met: bool | None,
) -> dict:
    return {
        "key": key,
        "label": label,
        "unit": unit,
        "app": app,
        "baseline": baseline,
        "baseline_label": baseline_label,
        "ratio": ratio,
        "target": target,
        "met": met,
    }


def run_load(args, work: Path, say) -> tuple[dict, dict, list[dict]]:
    """The journeys and both baselines, alternated, at each number of clients; page weight on the app."""
    results: dict = {}
    weights: dict = {}
    figures = []
    for clients in args.clients:
        servers = {name: BenchServer(work / f"load-{clients}-{name}", spec) for name, spec in APPS.items()}
        try:
            servers["app"].flask("init-db")  # a fresh database, as the README deploys it
            insert.prepare(servers["insert"].database)
            for server in servers.values():
                server.up()
            runs: dict[str, list[dict]] = {name: [] for name in APPS}
            for repeat in range(args.repeats):
                for name in APPS if repeat % 2 == 0 else reversed(APPS):
                    route = {"hello": "GET /", "insert": "POST /"}.get(name)
                    runs[name].append(load.run(servers[name], clients, args.seconds, route))
                    last = runs[name][-1]
                    say(
                        f"  {clients:>3} clients, {name:<6} run {repeat + 1}: "
                        f"{last['requests'] / last['elapsed']:7.1f} req/s"
                    )
            if not weights:
                weights = weight.measure(servers["app"])
        finally:
            for server in servers.values():
                server.stop()
        summary = {}
        for name, app_runs in runs.items():
            samples: dict[str, list[float]] = {}
            for run in app_runs:
                for kind, values in run["samples"].items():
                    samples.setdefault(kind, []).extend(values)
            summary[name] = {
                "requests_per_s": spread([r["requests"] / r["elapsed"] for r in app_runs]),
                "journeys_per_s": spread([r["journeys"] / r["elapsed"] for r in app_runs]),
                "cpu_ms_per_request": spread([1000 * r["cpu"] / r["requests"] for r in app_runs]),
                "latency_ms": {kind: latency(values) for kind, values in sorted(samples.items())},
            }
        results[str(clients)] = summary
        pairs = list(zip(runs["app"], runs["hello"], strict=True))
        throughput = spread([(a["requests"] / a["elapsed"]) / (h["requests"] / h["elapsed"]) for a, h in pairs])
        cpu = spread([(a["cpu"] / a["requests"]) / (h["cpu"] / h["requests"]) for a, h in pairs])
        figures.append(
            figure(
                f"journeys_requests_per_s_{clients}",
                f"patient journeys, {clients} clients: requests/s",
                "req/s",
                summary["app"]["requests_per_s"],
                summary["hello"]["requests_per_s"],
                "one-route Flask app, tiny template",
                throughput,
                "at least 40% of the one-route app",
                throughput["median"] >= 0.40,
            )
        )
        figures.append(
            figure(
                f"cpu_per_request_{clients}",
                f"server CPU per patient request, {clients} clients",
                "ms",
                summary["app"]["cpu_ms_per_request"],
                summary["hello"]["cpu_ms_per_request"],
                "one-route Flask app, tiny template",
                cpu,
                "at most 2x the one-route app",
                cpu["median"] <= 2.0,
            )
        )
        durable = list(zip(runs["app"], runs["insert"], strict=True))
        figures.append(
            figure(
                f"journeys_vs_durable_insert_{clients}",
                f"patient journeys, {clients} clients: req/s vs a durable insert",
                "req/s",
                summary["app"]["requests_per_s"],
                summary["insert"]["requests_per_s"],
                "one-route app, one durable SQLite insert per request",
                spread([(a["requests"] / a["elapsed"]) / (i["requests"] / i["elapsed"]) for a, i in durable]),
                "(no target: the floor of a confirmed write on this disk)",
                None,
            )
        )
    return results, weights, figures


def run_seeded(args, work: Path, say) -> tuple[dict, list[dict], dict]:
    began = time.monotonic()
    built = seed.build(work, args.sizes, progress=say)
    say(f"  seeding took {time.monotonic() - began:.0f} s")
    servers = {size: BenchServer(work / f"seeded-{size}", database=path) for size, path in built.items()}
    try:
        for server in servers.values():
            server.up()
        staff = pages.staff_pages(servers, args.samples, args.repeats)
        largest = max(servers)
        exports = pages.exports(servers[largest], args.repeats)
        plan = _queue_plan(servers[largest].database)
    finally:
        for server in servers.values():
            server.stop()
    small, large = min(staff), max(staff)
    figures = []
    names = {
        "queue": "queue page",
        "search_name": "search by name",
        "search_phone": "search by phone",
        "intake": "intake page",
    }
    for page, name in names.items():
        ratios = spread([b / a for a, b in zip(staff[small][page]["p95"], staff[large][page]["p95"], strict=True)])
        big = spread(staff[large][page]["p95"])
        has_target = page != "intake"
        figures.append(
            figure(
                f"{page}_p95",
                f"{name} at {large:,} vs {small:,} requests (p95)",
                "ms",
                big,
                spread(staff[small][page]["p95"]),
                f"the same page at {small:,} requests",
                ratios,
                "at most 1.5x, under 50 ms" if has_target else "(no target: reported)",
                ratios["median"] <= 1.5 and big["median"] < 50 if has_target else None,
            )
        )
    for name, export in exports.items():
        app, bare = export["app_rows_per_s"], export["bare_rows_per_s"]
        ratio = {k: app[k] / bare["median"] for k in ("min", "median", "max")} | {"runs": app["runs"]}
        figures.append(
            figure(
                f"{name}_rows_per_s",
                f"{name.replace('_', ' ')} at {export['rows']:,} rows: rows/s over HTTP",
                "rows/s",
                app,
                bare,
                "bare sqlite3-to-csv loop",
                ratio,
                "at least half the bare loop",
                ratio["median"] >= 0.5,
            )
        )
        memory = export["memory_growth_mb"]
        figures.append(
            figure(
                f"{name}_memory",
                f"{name.replace('_', ' ')}: peak memory growth of the serving process",
                "MB",
                memory,
                None,
                "",
                None,
                "under 30 MB",
                memory["max"] < 30,
            )
        )
    staff_report = {
        str(size): {page: {p: spread(v) for p, v in values.items()} for page, values in sizes.items()}
        for size, sizes in staff.items()
    }
    return {"staff_pages_ms": staff_report, "exports": exports, "queue_plan": plan}, figures, built


def _queue_plan(path: Path) -> list[str]:
    """How SQLite runs the default queue page's query on the served database (after the bench used it)."""
    from screening.staff import queue

    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        sql = (  # fixed SQL of our own, no input
            f"EXPLAIN QUERY PLAN SELECT r.id FROM requests r WHERE r.status IN "  # nosec B608
            f"('new', 'contacted', 'unable_to_reach') {queue.QUEUE_ORDER} LIMIT 50"
        )
        return [row[-1] for row in db.execute(sql, ["9999"])]  # any time: the plan is the same
    finally:
        db.close()


def weight_figures(weights: dict) -> list[dict]:
    pages_ = weights["pages"]
    first = {
        "requests": max(p["first_visit"]["requests"] for p in pages_.values()),
        "kb": max(p["first_visit"]["gzip_bytes"] for p in pages_.values()) / KB,
    }
    later_requests = max(p["later"]["requests"] for p in pages_.values())
    later_kb = max(p["later"]["gzip_bytes"] for p in pages_.values()) / KB
    one = lambda value: {"min": value, "median": value, "max": value, "runs": 1}  # noqa: E731
    return [
        figure(
            "page_requests_later",
            f"patient page after the first: requests (heaviest of {len(pages_)} pages)",
            "requests",
            one(later_requests),
            one(first["requests"]),
            "the same page on a first visit",
            None,
            "1 request",
            later_requests == 1,
        ),
        figure(
            "page_gzip_later",
            "patient page after the first: gzip weight (heaviest page)",
            "KB",
            one(later_kb),
            one(first["kb"]),
            "the heaviest page on a first visit, with its CSS and JS",
            None,
            "at most 8 KB",
            later_kb <= 8,
        ),
    ]


def startup_figure(result: dict) -> dict:
    ratio = result["app_ms"]["median"] / result["bare_ms"]["median"]
    return figure(
        "startup",
        "import + create_app",
        "ms",
        result["app_ms"],
        result["bare_ms"],
        "import flask + Flask(__name__)",
        {"min": ratio, "median": ratio, "max": ratio, "runs": 1},
        "at most 2x",
        ratio <= 2,
    )


def print_report(report: dict) -> None:
    print(f"\nmake bench, {report['date']}, {report['cores']} cores, {report['command']}")
    print(f"{'figure':<62} {'app (min/median/max)':>28} {'baseline median':>16} {'ratio':>7}  target")
    for f in report["figures"]:
        app, base = f["app"], f["baseline"]
        app_text = f"{app['min']:.4g}/{app['median']:.4g}/{app['max']:.4g} {f['unit']}"
        base_text = f"{base['median']:.4g}" if base else "-"
        ratio_text = f"{f['ratio']['median']:.2f}" if f["ratio"] else "-"
        mark = {True: "met", False: "NOT met", None: ""}[f["met"]]
        print(f"{f['label']:<62} {app_text:>28} {base_text:>16} {ratio_text:>7}  {f['target']} {mark}")
    for clients, apps in report["load"].items():
        print(f"\nlatency by kind of request, {clients} clients (ms, p50/p95/p99):")
        for kind, lat in apps["app"]["latency_ms"].items():
            print(f"  {kind:<28} {lat['p50']:7.1f} {lat['p95']:7.1f} {lat['p99']:7.1f}   ({lat['count']} requests)")
        for name in ("hello", "insert"):
            lat = next(iter(apps[name]["latency_ms"].values()))
            rate = apps[name]["requests_per_s"]["median"]
            print(f"  baseline {name:<19} {lat['p50']:7.1f} {lat['p95']:7.1f} {lat['p99']:7.1f}   ({rate:.0f} req/s)")
    if report.get("queue_plan"):
        print("\nplan of the default queue page at the largest size:", "; ".join(report["queue_plan"]))
    print(f"\nwritten to {report['out']} in {report['seconds']:.0f} s")


def main(argv=None) -> dict:
    args = options(argv)
    began = time.monotonic()

    def say(text: str) -> None:
        print(text, flush=True)

    report: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "command": COMMAND,
        "options": {k: str(v) for k, v in vars(args).items()},
    }
    say("start-up ...")
    started = startup.measure(args.startup_repeats)
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        work = Path(folder)
        say("patient journeys and baselines ...")
        report["load"], report["page_weight"], load_figures = run_load(args, work, say)
        say("seeded staff pages and exports ...")
        seeded, seeded_figures, _ = run_seeded(args, work, say)
    report.update(seeded)
    report["startup"] = started
    report["figures"] = (
        load_figures + seeded_figures + weight_figures(report["page_weight"]) + [startup_figure(started)]
    )
    report["seconds"] = time.monotonic() - began
    report["out"] = str(args.out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print_report(report)
    return report


if __name__ == "__main__":
    main()
