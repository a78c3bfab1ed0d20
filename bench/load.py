"""Virtual patients against a server: the load test's journey driver (tests/journeys.py), timed.

Each client walks whole journeys (every page a browser without JavaScript reads and posts, with real CSRF
tokens) until the time is up, then finishes the journey it is on. A baseline app gets the same clients and the
same HTTP client, each sending its one route again and again.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import defaultdict

from tests.journeys import Browser, Log, Patient, make_journey

from .procs import BenchServer, expect

_numbers = itertools.count(1)
_number_lock = threading.Lock()


def kind_of(method: str, path: str) -> str:
    """'POST /step/*': one kind per route, whatever the step."""
    path = path.split("?", 1)[0]
    return f"{method} {re.sub(r'^/step/[^/]+', '/step/*', path)}"


class TimedBrowser(Browser):
    """The load test's browser, keeping how long each request took, by kind."""

    def __init__(self, base: str, log: Log, samples: dict[str, list[float]]):
        super().__init__(base, log)
        self.samples = samples

    def send(self, method, path, data=None):
        began = time.perf_counter()
        response = super().send(method, path, data)
        self.samples[kind_of(method, path)].append((time.perf_counter() - began) * 1000)
        return response


def _journey():
    with _number_lock:
        number = next(_numbers) % 9_000  # the journeys' phone numbers have four digits
    return make_journey(number)


def run(server: BenchServer, clients: int, seconds: float, route: str | None = None) -> dict:
    """`clients` threads for about `seconds`: whole journeys, or `route` ("GET /") again and again.

    Returns requests, journeys, elapsed seconds, server CPU seconds and latency samples by kind.
    """
    log = Log()
    per_client: list[dict[str, list[float]]] = [defaultdict(list) for _ in range(clients)]
    errors: list[BaseException] = []
    journeys = [0] * clients
    deadline = time.monotonic() + seconds

    def client(index: int) -> None:
        browser = TimedBrowser(server.base, log, per_client[index])
        try:
            while time.monotonic() < deadline:
                if route:
                    method, path = route.split()
                    response = browser.send(method, path, {} if method == "POST" else None)
                    expect(response.status == 200, (route, response.status))
                else:
                    browser.jar.clear()  # a new patient
                    Patient(browser, _journey()).walk()
                    journeys[index] += 1
        except BaseException as error:  # noqa: BLE001  (raised below, with the server's log)
            errors.append(error)

    cpu_before = server.cpu_seconds()
    began = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    elapsed = time.monotonic() - began
    cpu = server.cpu_seconds() - cpu_before
    if errors or log.server_errors or any(t.is_alive() for t in threads):
        raise RuntimeError(f"load run failed: {errors[:3]} {log.server_errors[:3]}\n{server.log()}")
    samples: dict[str, list[float]] = defaultdict(list)
    for client_samples in per_client:
        for kind, values in client_samples.items():
            samples[kind].extend(values)
    requests = sum(len(v) for v in samples.values())
    return {"requests": requests, "journeys": sum(journeys), "elapsed": elapsed, "cpu": cpu, "samples": samples}
