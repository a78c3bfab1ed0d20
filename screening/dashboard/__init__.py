"""The call-back promise, measured: weekly figures and charts for the front desk, physicians and administrators."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/staff/dashboard")

from . import routes  # noqa: E402,F401
