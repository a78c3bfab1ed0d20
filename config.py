"""Every setting, read from the environment with a safe default."""

import os


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def _list_lines(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split("|") if part.strip()]


class Config:
    # Required in production; `make run` (debug) keeps a generated one in instance/.
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # SQLite file; defaults to instance/screening.db.
    DATABASE = os.environ.get("DATABASE_PATH")

    CLINIC_NAME = os.environ.get("CLINIC_NAME", "Riverside Spine & Pain Clinic")
    CLINIC_PHONE = os.environ.get("CLINIC_PHONE", "(555) 010-0199")
    CLINIC_LOCATIONS = _list("CLINIC_LOCATIONS", "Main office")
    CLINIC_TIMEZONE = os.environ.get("CLINIC_TIMEZONE", "America/New_York")
    # Shown on the landing page; lines separated by "|". Empty: not shown.
    CLINIC_ADDRESS = _list_lines("CLINIC_ADDRESS", "")
    CLINIC_PARKING = os.environ.get("CLINIC_PARKING", "")
    # A text file with the clinic's Notice of Privacy Practices (paragraphs separated by blank lines).
    NOTICE_OF_PRIVACY_PRACTICES_FILE = os.environ.get("NOTICE_OF_PRIVACY_PRACTICES_FILE", "")
    PHONE_REGION = os.environ.get("PHONE_REGION", "US")

    DRAFT_DAYS = int(os.environ.get("DRAFT_DAYS", "7"))
    # When the clinic calls: weekly hours in its time zone ("Mon-Fri 08:00-17:00; Sat 09:00-12:00") and
    # whole-day closures ("2026-12-25, 2027-01-01").
    CLINIC_HOURS = os.environ.get("CLINIC_HOURS", "Mon-Fri 08:00-17:00")
    CLINIC_HOLIDAYS = os.environ.get("CLINIC_HOLIDAYS", "")
    CONTACT_SLA_HOURS = int(os.environ.get("CONTACT_SLA_HOURS", "24"))
    # "clock": CONTACT_SLA_HOURS of real time, moved to the next opening if it ends while closed;
    # "business": CONTACT_SLA_HOURS of opening hours.
    CONTACT_SLA_MODE = os.environ.get("CONTACT_SLA_MODE", "clock").strip().lower()
    # A request with an emergency or same-day red flag is due within this many opening hours.
    URGENT_CONTACT_HOURS = int(os.environ.get("URGENT_CONTACT_HOURS", "2"))
    # Canonical base for the FHIR Questionnaire url and its answer code system.
    FHIR_BASE_URL = os.environ.get("FHIR_BASE_URL", "https://screening.example.org/fhir")

    # Limits per client address on the public forms (Flask-Limiter syntax).
    # A clinic's waiting room or a library shares one address: the limits leave room for a busy one.
    REQUEST_RATE_LIMIT = os.environ.get("REQUEST_RATE_LIMIT", "60 per hour")
    # Starting screenings and answering steps, per address (a clinic's waiting room shares one).
    START_RATE_LIMIT = os.environ.get("START_RATE_LIMIT", "10 per minute; 60 per hour")
    STEP_RATE_LIMIT = os.environ.get("STEP_RATE_LIMIT", "60 per minute; 1000 per hour")
    AUTOSAVE_RATE_LIMIT = os.environ.get("AUTOSAVE_RATE_LIMIT", "240 per minute")
    SAVE_LINK_RATE_LIMIT = os.environ.get("SAVE_LINK_RATE_LIMIT", "20 per hour")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    # Empty: a small SQLite file in the instance folder, shared by every worker (see README).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "")
    RATELIMIT_HEADERS_ENABLED = False

    # Notifications. With no SMTP_HOST, messages are written to instance/outbox/*.eml.
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "587"))
    SMTP_SECURITY = os.environ.get("SMTP_SECURITY", "starttls")  # starttls | ssl | none
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_TIMEOUT = float(os.environ.get("SMTP_TIMEOUT", "5"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "Screening <no-reply@localhost>")
    FRONT_DESK_EMAILS = _list("FRONT_DESK_EMAILS", "frontdesk@localhost")
    PATIENT_CONFIRMATION_EMAIL = _bool("PATIENT_CONFIRMATION_EMAIL", True)
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    # Remind the front desk once about a request still new this many hours before its call is due.
    REMINDER_HOURS_BEFORE_DUE = int(os.environ.get("REMINDER_HOURS_BEFORE_DUE", "4"))
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "10"))
    OUTBOX_BACKOFF_SECONDS = int(os.environ.get("OUTBOX_BACKOFF_SECONDS", "60"))

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
    # X-Forwarded-For is believed only on connections from these addresses (the proxy).
    TRUSTED_PROXIES = _list("TRUSTED_PROXIES", "127.0.0.1,::1")
    # Screenings finished without a request are deleted after this many days (`flask purge`).
    ANON_SCREENING_RETENTION_DAYS = int(os.environ.get("ANON_SCREENING_RETENTION_DAYS", "30"))

    # The front desk: after this many calls without reaching a patient, the queue suggests closing the request
    # as unable to reach; an open queue page checks for new requests every QUEUE_POLL_SECONDS (at most 30).
    MAX_CALL_ATTEMPTS = int(os.environ.get("MAX_CALL_ATTEMPTS", "3"))
    QUEUE_POLL_SECONDS = min(float(os.environ.get("QUEUE_POLL_SECONDS", "20")), 30.0)
    # The pain diary after a block (see README, "The pain diary"). Each numbing medicine's expected hours of
    # effect ("name=hours, ..."): the window in which relief counts. Defaults from published figures (README).
    DIARY_MEDICINE_HOURS = os.environ.get("DIARY_MEDICINE_HOURS", "lidocaine=2, bupivacaine=6, ropivacaine=4")
    # When the patient records the pain, in minutes after the injection.
    DIARY_SCHEDULE_MINUTES = [int(m) for m in _list("DIARY_SCHEDULE_MINUTES", "15,30,60,120,180,240,300,360")]
    # The diary link works for this many hours after the injection.
    DIARY_LINK_HOURS = int(os.environ.get("DIARY_LINK_HOURS", "48"))
    # An entry not made this many minutes after it was due counts as missing (the front desk may call).
    DIARY_MISSING_AFTER_MINUTES = int(os.environ.get("DIARY_MISSING_AFTER_MINUTES", "30"))
    DIARY_CODE_RATE_LIMIT = os.environ.get("DIARY_CODE_RATE_LIMIT", "20 per hour")
