"""Friendly error pages: every failure gets a page, never a stack trace.

Staff pages (sign-in, queue, admin) get staff error pages; patients get pages that
offer the clinic's phone number. A storage fault (disk full, read-only database)
says honestly that nothing was saved.
"""

import math
import sqlite3
import time
import traceback

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .i18n import N_

bp = Blueprint("errors", __name__)

STAFF_BLUEPRINTS = {"auth", "staff", "admin", "dashboard"}
STORAGE_RETRY_SECONDS = 30

# Patients read these in their language (staff pages are always English).
MESSAGES = {
    400: (N_("Something went wrong with that request"), N_("Please go back and try again.")),
    403: (N_("You do not have access to this page"), N_("If you think you should, ask the clinic's administrator.")),
    404: (N_("Page not found"), N_("Check the address, or start again from the home page.")),
    405: (N_("That action is not allowed here"), N_("Please go back and use the buttons on the page.")),
    413: (N_("That was too much to send"), N_("Please shorten your message and try again.")),
    429: (N_("Too many tries from this network"), N_("Please try again {after}.")),
    500: (N_("Sorry, something went wrong on our side"), N_("Please try again in a few minutes.")),
    503: (N_("We could not save this"), N_("Nothing you sent on this page was saved. Please try again {after}.")),
}


def _for_staff() -> bool:
    return request.blueprint in STAFF_BLUEPRINTS


def after_in_words(seconds: int) -> str:
    if seconds < 90:
        return gettext("in a minute")
    minutes = round(seconds / 60)
    if minutes < 90:
        return gettext("in {minutes} minutes").format(minutes=minutes)
    return gettext("in about {hours} hours").format(hours=round(minutes / 60))


def render_error(code: int, retry_after: int | None = None):
    title, detail = (gettext(text) for text in MESSAGES.get(code, MESSAGES[500]))
    detail = detail.format(after=after_in_words(retry_after or 0))
    template = "errors/staff_error.html" if _for_staff() else "errors/error.html"
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return render_template(template, code=code, title=title, detail=detail), code, headers


def seconds_until_reset() -> int:
    """Seconds until the limit that was hit lets this client in again (Flask-Limiter's window)."""
    from .extensions import limiter

    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))


@bp.app_errorhandler(CSRFError)
def csrf_error(_error: CSRFError):
    title = gettext("This page timed out")
    detail = gettext("For your security, forms expire after a while. Go back, reload the page and try again.")
    template = "errors/staff_error.html" if _for_staff() else "errors/error.html"
    return render_template(template, code=400, title=title, detail=detail), 400


@bp.app_errorhandler(RateLimitExceeded)
def rate_limited(error: RateLimitExceeded):
    if error.response is not None:  # a view's own page (e.g. the request form with its details kept)
        return error.response
    return render_error(429, seconds_until_reset())


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    return render_error(error.code or 500)


@bp.app_errorhandler(sqlite3.Error)
def storage_error(error: sqlite3.Error):
    """The database refused (disk full, read-only, locked too long): say so; nothing was saved."""
    current_app.logger.error(
        "Storage fault on %s %s: %s: %s", request.method, request.endpoint, type(error).__name__, error
    )
    return render_error(503, STORAGE_RETRY_SECONDS)


@bp.app_errorhandler(Exception)
def unexpected_error(error: Exception):
    # Log the type and the place only: an exception's message may quote patient input.
    place = "".join(traceback.format_tb(error.__traceback__))
    current_app.logger.error("Unhandled %s\n%s", type(error).__name__, place)
    return render_error(500)
