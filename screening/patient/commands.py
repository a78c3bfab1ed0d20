"""Maintenance commands for patient data."""
import click

from ..db import get_db
from . import bp, drafts


@bp.cli.command("purge-drafts")
def purge_drafts_command():
    """Delete drafts past their expiry (run daily, e.g. from cron)."""
    click.echo(f"Deleted {drafts.purge_expired(get_db())} expired draft(s).")
