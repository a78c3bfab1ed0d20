"""The production server under load, and killed under load.

Both tests start gunicorn exactly as the README deploys it (3 workers, a real
SQLite file, .eml delivery), walk many patients through it at once over
loopback like browsers without JavaScript, then run the delivery worker and
check the database and the outbox folder.
"""

from __future__ import annotations

import re
import threading
import time

import pytest

from .journeys import Log, Server, check_store, make_journey, run_journeys

CLIENTS = 20
JOURNEYS = 200


@pytest.fixture
def server(tmp_path):
    server = Server(tmp_path)
    try:
        server.flask("init-db")
        server.start()
        server.wait_healthy()
        yield server
    finally:
        server.stop()


def _report(errors, server):
    messages = [f"{type(e).__name__}: {e}" for e in errors[:5]]
    return "\n".join(messages) + f"\n--- gunicorn log (end) ---\n{server.log()}"


@pytest.mark.slow
def test_many_patients_at_once_each_get_one_stored_request_and_its_emails(server):
    journeys = [make_journey(n) for n in range(JOURNEYS)]
    log = Log()

    started = time.monotonic()
    errors = run_journeys(server.base, journeys, CLIENTS, log)
    elapsed = time.monotonic() - started

    assert not errors, _report(errors, server)
    assert log.server_errors == [], log.server_errors[:5]
    assert log.finished == JOURNEYS
    assert log.interruptions == 0
    server.stop()  # nothing writes while the worker runs and the store is checked
    server.flask("send-outbox")
    check_store(server, journeys)
    print(f"{JOURNEYS} journeys by {CLIENTS} clients in {elapsed:.1f}s")


@pytest.mark.slow
def test_killing_the_server_mid_load_loses_and_duplicates_nothing(server):
    """SIGKILL gunicorn (and the delivery worker, as a crash of the machine's services would) twice
    while patients are mid-journey; restart both; patients retry and resume their drafts."""
    journeys = [make_journey(n) for n in range(JOURNEYS)]
    for journey in journeys[5::10]:  # the answer to a stored request lost, whether or not a kill hits that window
        journey.lose_request_answer = True
    log = Log()
    kill_after = (JOURNEYS // 3, 2 * JOURNEYS // 3)  # journeys finished before each SIGKILL
    kills: list[float] = []
    stop = threading.Event()

    def killer():
        for point in kill_after:
            while log.finished < point:
                if stop.wait(0.02):
                    return
            server.kill()  # the arbiter and every worker, mid-request
            server.kill_worker()
            kills.append(time.monotonic())
            server.start()  # same port, same database; clients retry until it answers
            server.start_worker()

    server.start_worker()
    started = time.monotonic()
    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    try:
        errors = run_journeys(server.base, journeys, CLIENTS, log, recover=True)
    finally:
        stop.set()
        thread.join(15)
    elapsed = time.monotonic() - started

    assert not errors, _report(errors, server)
    assert len(kills) == len(kill_after), "the server was not killed as planned"
    assert server.starts == 1 + len(kill_after)
    assert log.server_errors == [], log.server_errors[:5]
    assert log.finished == JOURNEYS
    assert log.interruptions > 0, "no request was in flight at a kill"
    assert log.resumed, "no interrupted patient came back through /continue"
    server.stop()  # SIGKILL once more: the worker may die mid-send
    server.flask("send-outbox")  # one pass settles what the killed workers left and sends the rest
    data = check_store(server, journeys, worker_killed=True)
    lost = sorted({re.sub(r"^(\w+ /step/)\w+", r"\1*", request) for request in log.lost})
    retried = sum(1 for m in data["outbox"] if m["attempts"] > 1)
    senders = len({m["claimed_by"] for m in data["outbox"]})
    print(
        f"{JOURNEYS} journeys by {CLIENTS} clients, {len(kills)} kills, "
        f"{sum(1 for j in journeys if j.interruptions)} journeys interrupted, lost requests {lost}, "
        f"resumed at {sorted(set(log.resumed))}; {len(data['outbox'])} messages by {senders} worker processes, "
        f"{retried} tried again; in {elapsed:.1f}s"
    )
