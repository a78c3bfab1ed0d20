import math
import re
import secrets
import time
from datetime import timedelta

from flask import current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, URLSafeSerializer

from .. import audit, clock
from ..db import get_db
from ..extensions import limiter
from ..formatting import staff_time
from . import bp, home_for, roles_required, throttle, users
from .forms import LoginForm

FAILED = "That username and password do not match. Check them and try again."
THROTTLED = (
    "Too many failed sign-ins for this username or from this network. Wait {wait}, then try again. "
    "If you did not make these attempts, tell the clinic's administrator."
)
FLOODED = (
    "Too many failed sign-ins from this network. Try again at {at} (in {wait}). "
    "If nobody here made these attempts, tell the clinic's administrator."
)
DEVICE_COOKIE = "staff_device"
DEVICE_DAYS = 365
# A path inside the staff or admin areas, in plain URL characters: no scheme, host, "//" or control characters.
SAFE_NEXT = re.compile(r"/(staff|admin)/[A-Za-z0-9_\-./?=&%]*")


def _safe_next(target: str | None) -> str | None:
    """Only paths inside the staff and admin areas: never an open redirect, never a header injection."""
    if target and SAFE_NEXT.fullmatch(target) and "//" not in target:
        return target
    return None


def _devices() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="staff-device")


def _known_device(username: str) -> str | None:
    """The id of this browser if it signed in to this account before (a signed cookie), else None."""
    try:
        data = _devices().loads(request.cookies.get(DEVICE_COOKIE, ""))
    except BadSignature:
        return None
    if isinstance(data, dict) and data.get("u") == username.casefold() and isinstance(data.get("d"), str):
        return data["d"]
    return None


def _from_known_device() -> bool:
    """A browser that signed in to the account it names before: throttled on its own (see throttle.py), so the
    flood limit per address, which a neighbour on the same network can use up, does not apply to it."""
    return _known_device((request.form.get("username") or "").strip()[:64]) is not None


def _failed(response) -> bool:
    """Only failed sign-ins count toward the limit per address: an office whose staff all share one network
    address, each signing in correctly several times a day, never reaches it."""
    return response.status_code != 303


def _flooded(limit) -> object:
    """The sign-in page itself, saying when to try again: never the patients' error page."""
    seconds = max(1, math.ceil(limit.reset_at - time.time()))
    wait = timedelta(seconds=seconds)
    audit.record("login_throttled", limit="address", wait_seconds=seconds)
    message = FLOODED.format(at=staff_time(clock.now() + wait), wait=throttle.wait_in_words(wait))
    page = render_template("auth/login.html", form=LoginForm(), message=message)
    return make_response(page, 429, {"Retry-After": str(seconds)})


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    methods=["POST"],
    exempt_when=_from_known_device,
    deduct_when=_failed,
    on_breach=_flooded,
)
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    message = None
    if form.validate_on_submit():
        db = get_db()
        username = form.username.data.strip()
        device = _known_device(username)
        attempt_keys = throttle.keys(username, request.remote_addr, device)
        user, outcome, wait = users.authenticate(db, username, form.password.data, attempt_keys)
        if outcome == "ok":
            session.clear()  # no session fixation: nothing from before sign-in survives
            login_user(user)
            now = clock.iso(clock.now())
            session["login_at"] = session["last_seen"] = now
            audit.record("login_ok", "user", user.id, user=user, known_device=bool(device))
            response = redirect(_safe_next(request.args.get("next")) or home_for(user), 303)
            response.set_cookie(
                DEVICE_COOKIE,
                _devices().dumps({"u": username.casefold(), "d": device or secrets.token_urlsafe(16)}),
                max_age=DEVICE_DAYS * 86400,
                path=url_for("auth.login"),
                httponly=True,
                samesite="Strict",
                secure=current_app.config["SESSION_COOKIE_SECURE"],
            )
            return response
        if outcome == "throttled":
            audit.record(
                "login_throttled",
                "user" if user else None,
                user.id if user else None,
                user=user,
                wait_seconds=round(wait.total_seconds()),
            )
            message = THROTTLED.format(wait=throttle.wait_in_words(wait))
            page = render_template("auth/login.html", form=form, message=message)
            return page, 429, {"Retry-After": str(max(1, math.ceil(wait.total_seconds())))}
        audit.record("login_failed", "user" if user else None, user.id if user else None, user=user)
        message = FAILED
    return render_template("auth/login.html", form=form, message=message)


@bp.post("/logout")
@roles_required(*users.ROLES)
def logout() -> ResponseReturnValue:
    audit.record("logout", "user", current_user.id)
    users.end_sessions(get_db(), current_user)  # a copied cookie stops working too
    get_db().execute("DELETE FROM queue_searches WHERE user_id = ?", [current_user.id])
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.login"), 303)
