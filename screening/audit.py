"""The audit trail: who did what to which record, when, from where. Never the health data."""

from __future__ import annotations

import json
from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from . import clock
from .db import get_db

ACTIONS = (
    "login_ok",
    "login_failed",
    "login_locked",
    "login_throttled",
    "logout",
    "timeout",
    "access_denied",
    "view_queue",
    "view_request",
    "export_queue",
    "status_change",
    "note_added",
    "contact_attempt",
    "user_created",
    "user_deactivated",
    "password_reset",
    "view_audit",
    "sign_in_cleared",
    "view_intake",
    "review",
    "export_fhir",
    "export_screenings",
    "view_outbox",
    "outbox_retry",
    "purge",
    "user_reactivated",
    "role_changed",
    "user_renamed",
    "export_audit",
    # The pain diary after a block (screening/diary)
    "block_recorded",
    "view_diary",
    "view_diaries",
    "print_diary_sheet",
    "diary_link_emailed",
    "diary_opened",
    "diary_entry",
    "diary_paper_entry",
    "diary_reviewed",
    "export_diary_fhir",
)
# Added with the front desk's call outcomes (issue 12): kept apart so other additions merge cleanly.
ACTIONS += ("note_struck", "assign", "review_repeated")


def record(action: str, object_type: str | None = None, object_id: Any = None, user=None, **detail: Any) -> None:
    """Append one audit row; `user` defaults to the signed-in user."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if user is None and current_user and current_user.is_authenticated:
        user = current_user
    get_db().execute(
        "INSERT INTO audit_log (at, user_id, role, action, object_type, object_id, address, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            clock.iso(clock.now()),
            user.id if user else None,
            user.role if user else None,
            action,
            object_type,
            None if object_id is None else str(object_id),
            request.remote_addr if has_request_context() else "cli",
            json.dumps(detail) if detail else None,
        ],
    )
