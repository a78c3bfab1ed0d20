"""Extension objects, created unbound and attached in create_app."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf import CSRFProtect

from . import ratelimit_storage  # noqa: F401  (registers the sqlite:// rate-limit store)

csrf = CSRFProtect()
limiter = Limiter(get_remote_address)
