from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from .. import audit, clock
from ..db import get_db
from ..extensions import limiter
from . import bp, home_for, roles_required, users
from .forms import LoginForm

FAILED = "That username and password do not match. Check them and try again."


def _safe_next(target: str | None) -> str | None:
    """Only paths inside the staff and admin areas: never an open redirect."""
    if target and target.startswith(("/staff/", "/admin/")) and "//" not in target and "\\" not in target:
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        db = get_db()
        user, outcome = users.authenticate(db, form.username.data.strip(), form.password.data)
        if outcome == "ok":
            session.clear()  # no session fixation: nothing from before sign-in survives
            login_user(user)
            now = clock.iso(clock.now())
            session["login_at"] = session["last_seen"] = now
            audit.record("login_ok", "user", user.id, user=user)
            return redirect(_safe_next(request.args.get("next")) or home_for(user), 303)
        audit.record("login_locked" if outcome == "locked" else "login_failed",
                     "user" if user else None, user.id if user else None, user=user)
        failed = True
    return render_template("auth/login.html", form=form, failed=failed, failed_message=FAILED)


@bp.post("/logout")
@roles_required(*users.ROLES)
def logout():
    audit.record("logout", "user", current_user.id)
    users.end_sessions(get_db(), current_user)  # a copied cookie stops working too
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.login"), 303)
