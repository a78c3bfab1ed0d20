"""Notifications: the outbox, its delivery worker, and the first try right after a request."""
from __future__ import annotations

import os
import socket
import time
from contextlib import closing
from typing import Callable

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..db import connect
from . import outbox
from .mailer import sender_for


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_once(app: Flask, worker: str) -> dict[str, int]:
    """One pass: queue overdue reminders, then deliver everything due."""
    settings = outbox.Settings.from_config(app.config)
    with closing(connect(app.config["DATABASE"])) as db:
        reminders = outbox.enqueue_overdue(db, settings)
        return {"reminders": reminders, **outbox.deliver(db, settings, sender_for(app), worker)}


def send_after_response(app: Flask, request_id: int) -> Callable[[], None]:
    """For response.call_on_close: try this request's messages once the patient has their page.

    Whatever happens here, the patient's request is already stored and answered;
    what is not sent stays in the outbox for `flask send-outbox`.
    """
    def run() -> None:
        try:
            with app.app_context(), closing(connect(app.config["DATABASE"])) as db:
                settings = outbox.Settings.from_config(app.config)
                outbox.deliver(db, settings, sender_for(app), worker_name(),
                               only_ids=outbox.ids_for_request(db, request_id))
        except Exception as error:  # noqa: BLE001
            app.logger.warning("Immediate delivery deferred to the worker: %s", type(error).__name__)

    return run


@click.command("send-outbox")
@click.option("--loop", is_flag=True, help="Keep running as a worker.")
@click.option("--interval", default=30, show_default=True, help="Seconds between passes with --loop.")
@with_appcontext
def send_outbox_command(loop: bool, interval: int) -> None:
    """Deliver pending notifications (one pass for cron, or --loop as a worker)."""
    app = current_app._get_current_object()
    worker = worker_name()
    while True:
        result = run_once(app, worker)
        click.echo(f"sent {result['sent']}, not sent {result['unsent']}, reminders queued {result['reminders']}")
        if not loop:
            return
        try:
            time.sleep(interval)
        except KeyboardInterrupt:
            return


def init_app(app: Flask) -> None:
    app.cli.add_command(send_outbox_command)
