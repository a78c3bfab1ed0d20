"""Medial branch block screening: the application factory."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, request

from . import private
from .proxies import TrustedProxyFix

# Content Security Policy: everything from this origin, nothing inline, no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    overrides = dict(overrides or {})
    root = Path(__file__).resolve().parent.parent
    instance = overrides.get("INSTANCE_PATH") or os.environ.get("INSTANCE_PATH") or root / "instance"
    app = Flask(
        __name__,
        instance_path=str(Path(instance).resolve()),
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
    )
    from config import Config

    app.config.from_object(Config)
    app.config.update(overrides)
    development = app.debug or app.testing
    if development and "SESSION_COOKIE_SECURE" not in os.environ and "SESSION_COOKIE_SECURE" not in overrides:
        app.config["SESSION_COOKIE_SECURE"] = False  # plain http://127.0.0.1
    private.folder(app.instance_path)
    app.config["DATABASE"] = str(app.config["DATABASE"] or Path(app.instance_path) / "screening.db")
    _configure_secret_key(app, development)
    if app.config["PROXY_COUNT"]:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, app.config["PROXY_COUNT"], app.config["TRUSTED_PROXIES"])
    if not app.config["RATELIMIT_STORAGE_URI"]:  # shared by every worker process, with nothing to install
        app.config["RATELIMIT_STORAGE_URI"] = f"sqlite:///{Path(app.instance_path) / 'ratelimits.db'}"

    from . import auth, db, dictionary, errors, formatting, forms, i18n, notify, promises, retention
    from .admin import bp as admin_bp
    from .extensions import csrf, limiter
    from .patient import bp as patient_bp
    from .staff import bp as staff_bp
    from .static_files import init_app as init_static_files

    db.init_app(app)
    auth.init_app(app)  # first: sign-in and roles are checked before anything else runs
    csrf.init_app(app)
    limiter.init_app(app)
    formatting.init_app(app)
    forms.init_app(app)  # the choice questions' inputs, for the `choices` macro
    notify.init_app(app)
    dictionary.init_app(app)
    retention.init_app(app)
    promises.init_app(app)
    i18n.init_app(app)
    init_static_files(app)  # content-hashed static URLs, cached for a year
    for blueprint in (errors.bp, patient_bp, auth.bp, staff_bp, admin_bp):
        app.register_blueprint(blueprint)
    from .dashboard import bp as dashboard_bp

    app.register_blueprint(dashboard_bp)
    from . import diary

    diary.init_app(app)  # recording blocks and the patient's pain diary (its own blueprints)

    @app.get("/healthz")
    def healthz():
        """For load balancers and monitoring: the database answers and accepts a write.

        Says which check failed (no data, no error text); the outbox line warns when
        messages fail or wait (a stopped delivery worker) without failing the check.
        """
        checks, status = db.health(), 200
        if any(result != "ok" for result in checks.values()):
            status = 503
        else:
            from .notify import outbox

            attention = outbox.attention(db.get_db())
            checks["outbox"] = (
                "ok"
                if not any(attention.values())
                else (f"{attention['failed']} failed, {attention['waiting']} waiting")
            )
        return {"status": "ok" if status == 200 else "failing", "checks": checks}, status

    @app.context_processor
    def clinic_details():
        return {
            "clinic_name": app.config["CLINIC_NAME"],
            "clinic_phone": app.config["CLINIC_PHONE"],
            "clinic_locations": app.config["CLINIC_LOCATIONS"],
        }

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:  # once on HTTPS, browsers never fall back to plain HTTP
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint != "static":
            # Pages, exports and JSON may hold answers or contact details: never keep them in a cache.
            response.headers["Cache-Control"] = "no-store"
        return response

    return app


MIN_SECRET_KEY_BYTES = 32
MAKE_A_KEY = "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')"


def _configure_secret_key(app: Flask, development: bool) -> None:
    """Production needs a long random key from the environment: it signs every session cookie."""
    key = app.config.get("SECRET_KEY")
    if key and not development and len(key.encode()) < MIN_SECRET_KEY_BYTES:
        raise RuntimeError(
            f"SECRET_KEY is too short ({len(key.encode())} bytes; at least {MIN_SECRET_KEY_BYTES} are needed). "
            f"Make a random one and keep it stable, e.g. {MAKE_A_KEY}"
        )
    if key:
        return
    if not development:
        raise RuntimeError(f"SECRET_KEY is not set. Set it in the environment, e.g. {MAKE_A_KEY}")
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        private.write_bytes(key_file, secrets.token_hex(32).encode())
    app.config["SECRET_KEY"] = key_file.read_text().strip()
