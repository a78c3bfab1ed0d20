"""Every setting, read from the environment with a safe default."""
import os


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


class Config:
    # Required in production; `make run` (debug) keeps a generated one in instance/.
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # SQLite file; defaults to instance/screening.db.
    DATABASE = os.environ.get("DATABASE_PATH")

    CLINIC_NAME = os.environ.get("CLINIC_NAME", "Riverside Spine & Pain Clinic")
    CLINIC_PHONE = os.environ.get("CLINIC_PHONE", "(555) 010-0199")
    CLINIC_LOCATIONS = _list("CLINIC_LOCATIONS", "Main office")
    CLINIC_TIMEZONE = os.environ.get("CLINIC_TIMEZONE", "America/New_York")
    PHONE_REGION = os.environ.get("PHONE_REGION", "US")

    DRAFT_DAYS = int(os.environ.get("DRAFT_DAYS", "7"))
    CONTACT_SLA_HOURS = int(os.environ.get("CONTACT_SLA_HOURS", "24"))
    # Canonical base for the FHIR Questionnaire url and its answer code system.
    FHIR_BASE_URL = os.environ.get("FHIR_BASE_URL", "https://screening.example.org/fhir")

    # Limits per client address on the public forms (Flask-Limiter syntax).
    REQUEST_RATE_LIMIT = os.environ.get("REQUEST_RATE_LIMIT", "20 per hour")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False

    # Staff sessions end after this many idle minutes (and always after 12 hours).
    STAFF_IDLE_MINUTES = int(os.environ.get("STAFF_IDLE_MINUTES", "15"))
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute; 50 per hour")

    MAX_CONTENT_LENGTH = 64 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Send cookies over HTTPS only; turn off only for local development over plain HTTP.
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    WTF_CSRF_TIME_LIMIT = int(os.environ.get("WTF_CSRF_TIME_LIMIT", "7200"))
    # Behind a reverse proxy, how many proxies to trust for the client address.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
