"""Gunicorn servers for the bench, and what their processes cost, read from /proc (Linux)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.journeys import Server

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# The README's production command; only the app and the port change.
WORKERS = 3


def expect(condition: bool, what) -> None:
    """Stop the bench when a page answers wrongly (a figure measured on errors would mean nothing)."""
    if not condition:
        raise RuntimeError(f"unexpected answer: {what}")


class BenchServer(Server):
    """`gunicorn --workers 3 --bind 127.0.0.1:PORT APP`, the README's command, for the app or a baseline."""

    def __init__(self, tmp_path: Path, app: str = "run:app", database: Path | None = None):
        tmp_path.mkdir(parents=True, exist_ok=True)
        super().__init__(tmp_path, workers=WORKERS)
        self.app = app
        if database is not None:
            shutil.copyfile(database, self.database)
            self.database.chmod(0o600)
        self.env["BENCH_DATABASE"] = str(self.database)  # the durable-insert baseline writes here

    def up(self) -> BenchServer:
        self.start()
        self.wait_healthy()
        return self

    def pids(self) -> list[int]:
        """The arbiter and its workers."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [self.process.pid, *map(int, children)]

    def worker_pids(self) -> list[int]:
        return self.pids()[1:]

    def cpu_seconds(self) -> float:
        """User + system CPU of the arbiter and every worker so far."""
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / CLOCK_TICKS

    def reset_peak_memory(self) -> dict[int, int]:
        """Start each worker's peak resident memory afresh; returns each one's resident memory now (bytes)."""
        now = {}
        for pid in self.worker_pids():
            Path(f"/proc/{pid}/clear_refs").write_text("5")
            now[pid] = _status(pid)["VmRSS"]
        return now

    def peak_growth(self, before: dict[int, int]) -> int:
        """The largest growth of any worker's peak resident memory since `reset_peak_memory` (bytes)."""
        return max((_status(pid)["VmHWM"] - rss for pid, rss in before.items()), default=0)


def _status(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) * 1024
    return values
