"""Sign-in throttling: growing delays per account, per address and per known device.

A lock after N failures lets anyone lock a colleague out by typing their
username. Instead (OWASP's "device cookie" scheme), each failure makes the next
try wait longer (after `FREE_FAILURES`, 1 s doubling up to 15 min), counted:

- for a browser that signed in to this account before (it holds a signed device
  cookie): on that device alone, so an outsider's failures never slow it down;
- for any other browser: on the account and on the address.

Every attempt is counted before the password is checked, in one write
transaction, so parallel guesses cannot slip past the count. A success clears
the keys it was counted on. Keys use the username as typed (case-folded) and
exist whether or not the account does, so throttling tells nothing about which
accounts exist.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta

from sqlite_utils import Database

from .. import clock
from ..db import immediate_transaction

FREE_FAILURES = 5
FIRST_DELAY = timedelta(seconds=1)
MAX_DELAY = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=24)  # a failure older than this no longer counts


def keys(username: str, address: str | None, device: str | None) -> list[str]:
    if device:
        return [f"device:{device}"]
    return [f"account:{username.casefold()}", f"address:{address or 'unknown'}"]


def delay_after(failures: int) -> timedelta:
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(FIRST_DELAY * 2 ** (failures - FREE_FAILURES), MAX_DELAY)


def _wait(row: dict, now: datetime) -> timedelta:
    last = clock.parse(row["last_failure_at"])
    if now - last >= FORGET_AFTER:
        return timedelta(0)
    return max(last + delay_after(row["failures"]) - now, timedelta(0))


def begin_attempt(db: Database, attempt_keys: list[str]) -> timedelta | None:
    """Before checking a password: the wait still needed, or None when the attempt may go ahead.

    An attempt that goes ahead is counted as a failure now and forgiven by `succeeded`.
    """
    now = clock.now()
    with immediate_transaction(db):
        rows = list(
            db.query(
                "SELECT * FROM sign_in_throttle WHERE key IN (SELECT value FROM json_each(?))",
                [json.dumps(attempt_keys)],
            )
        )
        wait = max((_wait(row, now) for row in rows), default=timedelta(0))
        if wait > timedelta(0):
            return wait
        forget_before = clock.iso(now - FORGET_AFTER)
        for key in attempt_keys:
            db.execute(
                """INSERT INTO sign_in_throttle (key, failures, last_failure_at) VALUES (:key, 1, :now)
                   ON CONFLICT (key) DO UPDATE SET last_failure_at = :now,
                       failures = CASE WHEN last_failure_at < :forget THEN 1 ELSE failures + 1 END""",
                {"key": key, "now": clock.iso(now), "forget": forget_before},
            )
    return None


def succeeded(db: Database, attempt_keys: list[str]) -> None:
    db.execute("DELETE FROM sign_in_throttle WHERE key IN (SELECT value FROM json_each(?))", [json.dumps(attempt_keys)])


def clear_account(db: Database, username: str) -> int:
    """An administrator's unlock: an account's untrusted-browser failures are forgotten."""
    return db.execute("DELETE FROM sign_in_throttle WHERE key = ?", [f"account:{username.casefold()}"]).rowcount


def clear_address(db: Database, address: str) -> int:
    """An administrator's unlock of a network address (an office behind one shared address)."""
    return db.execute("DELETE FROM sign_in_throttle WHERE key = ?", [f"address:{address}"]).rowcount


def failures_by_account(db: Database) -> dict[str, int]:
    """Recent failures per username typed (case-folded), for the accounts page's Unlock buttons."""
    rows = db.query(
        "SELECT key, failures FROM sign_in_throttle WHERE key LIKE 'account:%' AND last_failure_at >= ?",
        [clock.iso(clock.now() - FORGET_AFTER)],
    )
    return {row["key"].partition(":")[2]: row["failures"] for row in rows}


def wait_in_words(wait: timedelta) -> str:
    seconds = math.ceil(wait.total_seconds())
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def repeated_failures(db: Database, at_least: int = 3) -> list[dict]:
    """For administrators: keys with several recent failures, most first, with how long they must wait."""
    now = clock.now()
    rows = list(
        db.query(
            "SELECT * FROM sign_in_throttle WHERE failures >= ? AND last_failure_at >= ? ORDER BY failures DESC, key",
            [at_least, clock.iso(now - FORGET_AFTER)],
        )
    )
    for row in rows:
        row["kind"], _, row["name"] = row["key"].partition(":")
        row["wait"] = _wait(row, now)
    return rows


def purge(db: Database) -> int:
    return db.execute(
        "DELETE FROM sign_in_throttle WHERE last_failure_at < ?", [clock.iso(clock.now() - FORGET_AFTER)]
    ).rowcount
