"""What is kept, and for how long: `flask purge` deletes what the clinic no longer needs.

- drafts past their expiry (`DRAFT_DAYS` after the last answer);
- screenings finished without a consultation request, after
  `ANON_SCREENING_RETENTION_DAYS` (they were kept only for the clinic's counts);
- sign-in failures older than a day, old front-desk searches, expired rate-limit counts.

Never a consultation request, its screening, its events, reviews or outbox
messages, and never the audit trail; each run is itself audited.
"""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlite_utils import Database

from . import audit, clock
from .auth import throttle
from .db import get_db
from .ratelimit_storage import SQLiteStorage

SEARCH_KEPT = timedelta(hours=12)  # a staff session lasts at most 12 hours


def purge(db: Database, anonymous_days: int) -> dict[str, int]:
    now = clock.now()
    with db.atomic():
        return {
            "drafts": db.execute("DELETE FROM drafts WHERE expires_at <= ?", [clock.iso(now)]).rowcount,
            "screenings_without_request": db.execute(
                """DELETE FROM screenings WHERE updated_at < ?
                   AND NOT EXISTS (SELECT 1 FROM requests WHERE requests.screening_id = screenings.id)""",
                [clock.iso(now - timedelta(days=anonymous_days))],
            ).rowcount,
            "sign_in_failures": throttle.purge(db),
            "searches": db.execute(
                "DELETE FROM queue_searches WHERE created_at < ?", [clock.iso(now - SEARCH_KEPT)]
            ).rowcount,
            "resume_links": db.execute("DELETE FROM resume_links WHERE expires_at <= ?", [clock.iso(now)]).rowcount
            + db.execute(
                "DELETE FROM outbox WHERE kind = 'resume_link' AND status = 'sent' AND sent_at < ?",
                [clock.iso(now - timedelta(days=1))],
            ).rowcount,
        }


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Delete expired drafts, old screenings without a request, and other short-lived data (run daily)."""
    days = current_app.config["ANON_SCREENING_RETENTION_DAYS"]
    counts = purge(get_db(), days)
    uri = current_app.config["RATELIMIT_STORAGE_URI"]
    if uri.startswith("sqlite://"):
        SQLiteStorage(uri).purge_expired()
    audit.record("purge", via="cli", retention_days=days, **counts)
    click.echo(
        f"Deleted {counts['drafts']} expired draft(s), {counts['screenings_without_request']} screening(s) "
        f"without a request older than {days} days, {counts['sign_in_failures']} old sign-in failure "
        f"record(s) and {counts['searches']} old search(es)."
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(purge_command)
