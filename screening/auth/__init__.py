"""Staff sign-in, sessions and access control: everything not public needs a signed-in user."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_login import LoginManager, current_user, logout_user

from .. import audit, clock
from . import users

bp = Blueprint("auth", __name__, url_prefix="/staff")
login_manager = LoginManager()
login_manager.user_loader(users.load_from_session)
login_manager.login_view = "auth.login"

PUBLIC_ENDPOINTS = {"static", "auth.login", "healthz"}
PUBLIC_BLUEPRINTS = {"patient"}
ABSOLUTE_LIMIT = timedelta(hours=12)


def roles_required(*roles: str):
    """Declare who may use a view. Views without a declaration are refused to everyone."""

    def decorate(view):
        view.allowed_roles = frozenset(roles)
        return view

    return decorate


def is_public(endpoint: str | None) -> bool:
    return endpoint in PUBLIC_ENDPOINTS or (endpoint or "").split(".")[0] in PUBLIC_BLUEPRINTS


def _session_expired() -> bool:
    now = clock.now()
    login_at, last_seen = session.get("login_at"), session.get("last_seen")
    if not login_at or not last_seen:
        return True
    idle = timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])
    return now - clock.parse(login_at) > ABSOLUTE_LIMIT or now - clock.parse(last_seen) > idle


def guard():
    """Runs before every request: sign-in, session limits and role checks, denied by default."""
    if request.endpoint is None or is_public(request.endpoint):
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.path))
    if _session_expired():
        audit.record("timeout")
        logout_user()
        session.clear()
        flash("You were signed out after a period of inactivity. Please sign in again.")
        return redirect(url_for("auth.login", next=request.path))
    view = current_app.view_functions[request.endpoint]
    if not getattr(view, "passive", False):  # a page polling in the background is not activity
        session["last_seen"] = clock.iso(clock.now())
    if current_user.role not in getattr(view, "allowed_roles", ()):
        audit.record("access_denied", endpoint=request.endpoint)
        abort(403)
    return None


def home_for(user) -> str:
    return url_for("admin.users") if user.role == "admin" else url_for("staff.queue")


def init_app(app) -> None:
    login_manager.init_app(app)
    app.before_request(guard)
    users.init_app(app)


from . import routes  # noqa: E402,F401

__all__ = ["bp", "roles_required", "init_app"]
