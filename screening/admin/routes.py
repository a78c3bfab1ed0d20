from __future__ import annotations

from contextlib import closing
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from .. import audit, clock, csv_export, params
from ..auth import roles_required, throttle
from ..auth import users as accounts
from ..db import connect, get_db, immediate_transaction
from ..notify import outbox
from . import audit_trail as audit_trail_view
from . import bp
from .forms import CreateUserForm, EditUserForm, ResetPasswordForm

AUDIT_PAGE = 100
# Audit actions per changed field; a change of `active` is named by the view (deactivated or reactivated).
CHANGE_ACTIONS = {"role": "role_changed", "username": "user_renamed", "display_name": "user_renamed"}


@bp.app_context_processor
def outbox_alert() -> dict:
    """On every page an administrator sees: failed notifications, or notifications waiting too long
    (the delivery worker is stopped or the mail server is down), so that no request goes unannounced."""
    if not (current_user and current_user.is_authenticated and current_user.role == "admin"):  # none for emails
        return {}
    attention = outbox.attention(get_db())
    return {"outbox_attention": attention if any(attention.values()) else None}


@bp.get("/")
@roles_required("admin")
def index() -> ResponseReturnValue:
    return redirect(url_for("admin.users"))


@bp.get("/users")
@roles_required("admin")
def users() -> ResponseReturnValue:
    db = get_db()
    return render_template(
        "admin/users.html",
        users=accounts.all_users(db),
        ROLE_NAMES=accounts.ROLE_NAMES,
        failures=throttle.repeated_failures(db),
        wait_in_words=throttle.wait_in_words,
        account_failures=throttle.failures_by_account(db),
    )


@bp.post("/sign-in-failures/clear")
@roles_required("admin")
def clear_sign_in_failures() -> ResponseReturnValue:
    """Let a colleague sign in from a new browser again after an outsider's guesses slowed the account,
    or an office behind one network address after a run of mistyped passwords."""
    address = (request.form.get("address") or "").strip()[:64]
    username = (request.form.get("username") or "").strip()[:64]
    db = get_db()
    with db.atomic():
        if address:
            cleared = throttle.clear_address(db, address)
            audit.record("sign_in_cleared", "address", address, cleared=cleared)
        else:
            user = accounts.by_username(db, username)
            cleared = throttle.clear_account(db, username)
            audit.record("sign_in_cleared", "user", user.id if user else None, username=username, cleared=cleared)
    flash(f"Failed sign-ins for “{address or username}” were cleared." if cleared else "There was nothing to clear.")
    return redirect(url_for("admin.users"), 303)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def create_user() -> ResponseReturnValue:
    form = CreateUserForm()
    db = get_db()
    if form.validate_on_submit():
        if accounts.by_username(db, form.username.data):
            form.username.errors.append("That username is taken")
        else:
            with db.atomic():
                user = accounts.create(
                    db, form.username.data, form.display_name.data.strip(), form.role.data, form.password.data
                )
                audit.record("user_created", "user", user.id, role=user.role, username=user.username)
            flash(f"Account “{user.username}” created.")
            return redirect(url_for("admin.users"), 303)
    return render_template("admin/user_form.html", form=form)


def _user_or_404(user_id: int):
    return accounts.by_id(get_db(), user_id) or abort(404)


def _change(user, action: str, done: str, **changes) -> str | None:
    """Apply account changes with their audit rows in one write transaction and say so; or, when they would
    leave the clinic with no active administrator, change nothing and return why."""
    db = get_db()
    try:
        with immediate_transaction(db):
            changed = accounts.update(db, user, **changes)
            for field, (before, after) in changed.items():
                audit.record(
                    CHANGE_ACTIONS.get(field) or action,
                    "user",
                    user.id,
                    username=user.username,
                    change=field,
                    before=before,
                    after=after,
                )
    except accounts.LastAdministrator as refused:
        return str(refused)
    if changed:
        ends = accounts.ends_sessions(changed)
        if ends and user.id == current_user.id:
            flash(done + " Your own account changed: please sign in again.")
        else:
            flash(done + (" Their sessions have ended." if ends else ""))
    else:
        flash("Nothing was changed.")
    return None


@bp.post("/users/<int:user_id>/deactivate")
@roles_required("admin")
def deactivate(user_id: int) -> ResponseReturnValue:
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        flash("You cannot deactivate your own account. Ask another administrator.")
        return redirect(url_for("admin.users"), 303)
    refused = _change(user, "user_deactivated", f"“{user.username}” can no longer sign in.", active=0)
    if refused:
        flash(refused)
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/<int:user_id>/reactivate")
@roles_required("admin")
def reactivate(user_id: int) -> ResponseReturnValue:
    """A returning colleague signs in again with their old password (reset it if it may be known)."""
    user = _user_or_404(user_id)
    _change(user, "user_reactivated", f"“{user.username}” can sign in again.", active=1)
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/<int:user_id>/unlock")
@roles_required("admin")
def unlock(user_id: int) -> ResponseReturnValue:
    """Forget an account's failed sign-ins, so its owner may try again at once from any browser."""
    user = _user_or_404(user_id)
    db = get_db()
    with db.atomic():
        cleared = throttle.clear_account(db, user.username)
        audit.record("sign_in_cleared", "user", user.id, username=user.username, cleared=cleared)
    flash(f"“{user.username}” can sign in again now." if cleared else "There was nothing to clear.")
    return redirect(url_for("admin.users"), 303)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_user(user_id: int) -> ResponseReturnValue:
    """Rename (the name shown and the username) and change the role."""
    user = _user_or_404(user_id)
    form = EditUserForm(obj=user)
    if form.validate_on_submit():
        username = form.username.data.strip()
        taken = accounts.by_username(get_db(), username)
        if taken and taken.id != user.id:
            form.username.errors.append("That username is taken")
        else:
            refused = _change(
                user,
                "user_renamed",
                f"Account “{username}” saved.",
                username=username,
                display_name=form.display_name.data.strip(),
                role=form.role.data,
            )
            if not refused:
                return redirect(url_for("admin.users"), 303)
            form.role.errors.append(refused)
    return render_template("admin/edit_user.html", form=form, user=user)


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@roles_required("admin")
def reset_password(user_id: int) -> ResponseReturnValue:
    user = _user_or_404(user_id)
    form = ResetPasswordForm(user=user)
    if form.validate_on_submit():
        db = get_db()
        with db.atomic():
            accounts.set_password(db, user, form.password.data)
            audit.record("password_reset", "user", user.id, username=user.username)
        flash(f"Password changed for “{user.username}”; their sessions have ended.")
        return redirect(url_for("admin.users"), 303)
    return render_template("admin/password_form.html", form=form, user=user)


def _clinic_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["CLINIC_TIMEZONE"])


@bp.get("/audit")
@roles_required("admin")
def audit_trail() -> ResponseReturnValue:
    filters = audit_trail_view.read_filters(request.args)
    page = params.whole_number(request.args.get("page")) or 1
    db, zone = get_db(), _clinic_zone()
    rows = []
    if not filters.errors:
        rows = list(audit_trail_view.entries(db, filters, zone, AUDIT_PAGE + 1, (page - 1) * AUDIT_PAGE))
    audit.record("view_audit", filters=filters.for_audit(), page=page)
    html = render_template(
        "admin/audit.html",
        rows=rows[:AUDIT_PAGE],
        has_more=len(rows) > AUDIT_PAGE,
        page=page,
        filters=filters,
        args=filters.as_args(),
        users=accounts.all_users(db),
        actions=audit.ACTIONS,
        zone=zone,
        view=audit_trail_view,
        ROLE_NAMES=accounts.ROLE_NAMES,
    )
    return html, 400 if filters.errors else 200


@bp.get("/audit.csv")
@roles_required("admin")
def audit_export() -> ResponseReturnValue:
    """The filtered trail as CSV, for an auditor; the export is itself a line of the trail."""
    filters = audit_trail_view.read_filters(request.args)
    if filters.errors:
        abort(400)
    db, zone = get_db(), _clinic_zone()
    with db.atomic():
        audit.record("export_audit", filters=filters.for_audit())
    path = current_app.config["DATABASE"]

    def generate():
        with closing(connect(path)) as own:  # the request's connection is closed before the last row
            rows = audit_trail_view.entries(own, filters, zone)
            yield from csv_export.stream(audit_trail_view.CSV_HEADER, audit_trail_view.csv_rows(rows, zone))

    filename = f"audit-trail-{clock.now().astimezone(zone).date().isoformat()}.csv"
    return Response(
        generate(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@bp.get("/outbox")
@roles_required("admin")
def outbox_page() -> ResponseReturnValue:
    status = request.args.get("status")
    status = status if status in ("pending", "sending", "sent", "failed") else None
    db = get_db()
    audit.record("view_outbox")
    return render_template(
        "admin/outbox.html", messages=outbox.listing(db, status), counts=outbox.counts(db), status=status
    )


@bp.post("/outbox/<int:message_id>/retry")
@roles_required("admin")
def outbox_retry(message_id: int) -> ResponseReturnValue:
    db = get_db()
    with db.atomic():
        if outbox.retry(db, message_id):
            audit.record("outbox_retry", "outbox", message_id)
            flash(f"Message {message_id} will be sent on the next pass.")
        else:
            flash(f"Message {message_id} is not in the failed state.")
    return redirect(url_for("admin.outbox_page", status="failed"), 303)
