"""Friendly error pages: every failure gets a page, never a stack trace."""
import traceback

from flask import Blueprint, current_app, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

bp = Blueprint("errors", __name__)

MESSAGES = {
    400: ("Something went wrong with that request", "Please go back and try again."),
    403: ("You do not have access to this page", "If you think you should, ask the clinic's administrator."),
    404: ("Page not found", "Check the address, or start again from the home page."),
    405: ("That action is not allowed here", "Please go back and use the buttons on the page."),
    413: ("That was too much to send", "Please shorten your message and try again."),
    429: ("Too many tries", "Please wait a few minutes, then try again. Or call us."),
    500: ("Sorry, something went wrong on our side", "Your answers are saved. Please try again in a few minutes, or call us."),
}


def render_error(code: int):
    title, detail = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title, detail=detail), code


@bp.app_errorhandler(CSRFError)
def csrf_error(_error: CSRFError):
    title = "This page timed out"
    detail = "For your security, forms expire after a while. Go back, reload the page and try again."
    return render_template("errors/error.html", code=400, title=title, detail=detail), 400


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    return render_error(error.code or 500)


@bp.app_errorhandler(Exception)
def unexpected_error(error: Exception):
    # Log the type and the place only: an exception's message may quote patient input.
    place = "".join(traceback.format_tb(error.__traceback__))
    current_app.logger.error("Unhandled %s\n%s", type(error).__name__, place)
    return render_error(500)
