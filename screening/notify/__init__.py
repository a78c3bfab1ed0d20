"""Notifications: the outbox and its delivery worker (a process of its own, never a web request)."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..db import connect
from . import outbox
from .mailer import sender_for


def run_once(app: Flask, worker: str) -> dict[str, int]:
    """One pass: queue overdue reminders, then deliver everything due."""
    settings = outbox.Settings.from_config(app.config)
    with closing(connect(app.config["DATABASE"])) as db:
        reminders = outbox.enqueue_overdue(db, settings)
        return {"reminders": reminders, **outbox.deliver(db, settings, sender_for(app), worker)}


@click.command("send-outbox")
@click.option("--loop", is_flag=True, help="Keep running as a worker.")
@click.option("--interval", default=10, show_default=True, help="Seconds between passes with --loop.")
@with_appcontext
def send_outbox_command(loop: bool, interval: int) -> None:
    """Deliver pending notifications (one pass for cron, or --loop as a worker)."""
    app = current_app._get_current_object()
    worker = outbox.worker_name()
    while True:
        try:
            result = run_once(app, worker)
        except sqlite3.Error as error:  # a storage fault: say so, keep the worker alive, try next pass
            if not loop:
                raise click.ClickException(f"The database refused the pass: {type(error).__name__}: {error}") from error
            click.echo(f"pass skipped: {type(error).__name__}: {error}", err=True)
        else:
            click.echo(f"sent {result['sent']}, not sent {result['unsent']}, reminders queued {result['reminders']}")
        if not loop:
            return
        try:
            time.sleep(interval)
        except KeyboardInterrupt:
            return


def init_app(app: Flask) -> None:
    app.cli.add_command(send_outbox_command)
