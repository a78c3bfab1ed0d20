"""Public pages for prospective patients."""

from flask import Blueprint

bp = Blueprint("patient", __name__, cli_group=None)

from . import routes  # noqa: E402,F401  (registers the views)
