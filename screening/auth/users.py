"""Staff accounts: password hashing and rules, sign-in checks, and the account commands."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

import click
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask.cli import with_appcontext
from flask_login import UserMixin
from sqlite_utils import Database

from .. import clock
from ..db import get_db, immediate_transaction
from . import throttle

ROLES = ("front_desk", "physician", "admin")
ROLE_NAMES = {"front_desk": "Front desk", "physician": "Physician", "admin": "Administrator"}
PASSWORD_MIN, PASSWORD_MAX = 12, 128

# argon2id, RFC 9106 "low memory" profile: t=3, m=64 MiB, p=4 (above OWASP's t=2, m=19 MiB, p=1).
hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verifying against this keeps a wrong username as slow as a wrong password (made on first use)."""
    return hasher.hash(secrets.token_hex(16))


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


@dataclass
class User(UserMixin):
    id: int
    username: str
    display_name: str
    role: str
    active: int
    session_version: int

    def get_id(self) -> str:
        # The session version makes old session cookies useless after a bump.
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]


_USER_COLUMNS = "id, username, display_name, role, active, session_version"


def _user(row) -> User | None:
    return User(**row) if row else None


def by_id(db: Database, user_id: int) -> User | None:
    sql = f"SELECT {_USER_COLUMNS} FROM users WHERE id = ?"  # constant columns, bound value  # nosec B608
    return _user(next(db.query(sql, [user_id]), None))


def by_username(db: Database, username: str) -> User | None:
    sql = f"SELECT {_USER_COLUMNS} FROM users WHERE username = ?"  # constant columns, bound value  # nosec B608
    return _user(next(db.query(sql, [username]), None))


def load_from_session(session_id: str) -> User | None:
    """Flask-Login's user loader: the user, if active and the session version still matches."""
    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except ValueError:
        return None
    user = by_id(get_db(), user_id)
    if user is None or not user.is_active or user.session_version != version:
        return None
    return user


def name_parts(*context: str) -> list[str]:
    """The words of a username and a person's name that a password must not contain ("nina.park", "Nina Park"
    give "nina", "park"): words of 3 or more letters or digits, lower case, as Windows' own rule counts them."""
    parts = {part for text in context for part in re.split(r"[^0-9a-z]+", text.casefold()) if len(part) >= 3}
    return sorted(parts)


def password_problem(password: str, *context: str) -> str | None:
    """Why a password is not acceptable, or None when it is. `context`: the account's username and name."""
    if len(password) < PASSWORD_MIN:
        return f"Use at least {PASSWORD_MIN} characters"
    if len(password) > PASSWORD_MAX:
        return f"Use at most {PASSWORD_MAX} characters"
    folded = re.sub(r"[^0-9a-z]+", "", password.casefold())
    if any(part in folded for part in name_parts(*context)):
        return "Do not use the person's name or username in the password: it is the first thing a guesser tries"
    from zxcvbn import zxcvbn  # its word lists load on first use, not at start-up

    # The list still matters at 12+ characters: zxcvbn alone passes some of its entries in mixed case
    # ("iSeEdEaDpEoPlE" scores 3), which the list, compared in lower case, refuses.
    if password.lower() in _common_passwords() or zxcvbn(password, user_inputs=[c for c in context if c])["score"] < 3:
        return "This password is too common or too easy to guess. Try three or four unrelated words"
    return None


def create(db: Database, username: str, display_name: str, role: str, password: str) -> User:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    problem = password_problem(password, username, display_name)
    if problem:
        raise ValueError(problem)
    db.execute(
        "INSERT INTO users (username, display_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
        [username, display_name, role, hasher.hash(password), clock.iso(clock.now())],
    )
    return by_username(db, username)


def set_password(db: Database, user: User, password: str) -> None:
    problem = password_problem(password, user.username, user.display_name)
    if problem:
        raise ValueError(problem)
    db.execute(
        "UPDATE users SET password_hash = ?, session_version = session_version + 1 WHERE id = ?",
        [hasher.hash(password), user.id],
    )
    throttle.clear_account(db, user.username)


class LastAdministrator(ValueError):
    """A change that would leave the clinic with no active administrator: nobody could manage accounts."""


def ends_sessions(changed: dict[str, tuple[Any, Any]]) -> bool:
    """A new role or username, or deactivation, ends every session of the user: neither may ride on an old
    sign-in. (Reactivation has none to end: deactivating ended them.)"""
    return "role" in changed or "username" in changed or ("active" in changed and not changed["active"][1])


def update(db: Database, user: User, **changes: Any) -> dict[str, tuple[Any, Any]]:
    """Change an account's role, active, username or display_name; returns {field: (before, after)} for
    what really changed. Call it holding the write lock (`immediate_transaction`), so that two
    administrators demoting each other at once cannot both pass the last-administrator check."""
    unknown = set(changes) - {"role", "active", "username", "display_name"}
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
    if changes.get("role", user.role) not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    current = by_id(db, user.id)  # read again under the lock: the page may be stale
    changed = {
        name: (getattr(current, name), value)
        for name, value in changes.items()
        if value is not None and value != getattr(current, name)
    }
    if not changed:
        return {}
    new_role = changes.get("role") or current.role
    new_active = current.active if changes.get("active") is None else changes["active"]
    stays_admin = new_role == "admin" and bool(new_active)
    if current.role == "admin" and current.active and not stays_admin and not _other_active_admins(db, user.id):
        raise LastAdministrator(
            "The clinic needs at least one active administrator. Make someone else an administrator first."
        )
    assignments = [f"{name} = :{name}" for name in changed]  # names from the fixed list above
    if ends_sessions(changed):
        assignments.append("session_version = session_version + 1")
    # Column names come from the fixed list checked above; every value is bound.
    values = {name: int(after) if name == "active" else after for name, (_before, after) in changed.items()}
    db.execute(f"UPDATE users SET {', '.join(assignments)} WHERE id = :id", {**values, "id": user.id})  # nosec B608
    if "username" in changed:
        throttle.clear_account(db, changed["username"][0])
    return changed


def _other_active_admins(db: Database, user_id: int) -> int:
    return db.execute(
        "SELECT count(*) FROM users WHERE role = 'admin' AND active = 1 AND id <> ?", [user_id]
    ).fetchone()[0]


def deactivate(db: Database, user: User) -> None:
    """Stop an account signing in and end its sessions (never the last active administrator)."""
    update(db, user, active=0)


def end_sessions(db: Database, user: User) -> None:
    db.execute("UPDATE users SET session_version = session_version + 1 WHERE id = ?", [user.id])


def authenticate(
    db: Database, username: str, password: str, attempt_keys: list[str]
) -> tuple[User | None, str, timedelta | None]:
    """Check a sign-in. Returns (user, outcome, wait): outcome "ok", "failed" or "throttled".

    Exactly one password hash is checked whatever happens (a dummy one when the
    account does not exist or the attempt is throttled), so the time taken tells
    nothing; throttling is counted by the username typed, not by the account.
    """
    wait = throttle.begin_attempt(db, attempt_keys)
    row = next(db.query("SELECT * FROM users WHERE username = ?", [username]), None)
    user = _user({k: row[k] for k in _USER_COLUMNS.split(", ")}) if row else None
    if wait is not None:
        _verify(_dummy_hash(), password)
        return user, "throttled", wait
    if row is None:
        _verify(_dummy_hash(), password)
        return None, "failed", None
    if not _verify(row["password_hash"], password) or not row["active"]:
        return user, "failed", None
    if hasher.check_needs_rehash(row["password_hash"]):
        db.execute("UPDATE users SET password_hash = ? WHERE id = ?", [hasher.hash(password), user.id])
    db.execute("UPDATE users SET last_login_at = ? WHERE id = ?", [clock.iso(clock.now()), user.id])
    throttle.succeeded(db, attempt_keys)
    return user, "ok", None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def all_users(db: Database) -> list[dict]:
    return list(
        db.query(
            "SELECT id, username, display_name, role, active, created_at, last_login_at"
            " FROM users ORDER BY active DESC, username"
        )
    )


# Commands


def _prompt_password(user_label: str, *context: str) -> str:
    while True:
        password = click.prompt(f"Password for {user_label}", hide_input=True, confirmation_prompt=True)
        problem = password_problem(password, user_label, *context)
        if not problem:
            return password
        click.echo(problem + ".", err=True)


def _existing(username: str) -> User:
    user = by_username(get_db(), username)
    if user is None:
        raise click.ClickException(f"No user called {username!r}.")
    return user


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", "display_name", help="Name shown to colleagues (defaults to the username).")
@with_appcontext
def create_user_command(username, role, display_name):
    """Create a staff account; prompts for the password twice."""
    db = get_db()
    if by_username(db, username):
        raise click.ClickException(f"A user called {username!r} already exists.")
    user = create(db, username, display_name or username, role, _prompt_password(username, display_name or username))
    _audit_cli("user_created", user, role=role)
    click.echo(f"Created {ROLE_NAMES[role].lower()} account {username!r}.")


@click.command("set-password")
@click.argument("username")
@with_appcontext
def set_password_command(username):
    """Set a new password; every session of that user ends."""
    user = _existing(username)
    set_password(get_db(), user, _prompt_password(username, user.display_name))
    _audit_cli("password_reset", user)
    click.echo(f"Password changed for {username!r}; their sessions have ended.")


@click.command("deactivate-user")
@click.argument("username")
@with_appcontext
def deactivate_user_command(username):
    """Stop an account from signing in; every session of that user ends."""
    user = _existing(username)
    db = get_db()
    try:
        with immediate_transaction(db):
            deactivate(db, user)
            _audit_cli("user_deactivated", user)
    except LastAdministrator as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Deactivated {username!r}.")


@click.command("ensure-admin")
@with_appcontext
def ensure_admin_command():
    """When there is no account at all, create `admin` with a random password, printed once."""
    db = get_db()
    if db["users"].count:
        return
    password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    user = create(db, "admin", "Administrator", "admin", password)
    _audit_cli("user_created", user, role="admin")
    click.echo(
        f"\n  Created the first account. Username: admin  Password: {password}\n"
        "  It is shown only this once: sign in at /staff/login and keep it safe.\n"
    )


def _audit_cli(action: str, user: User, **detail) -> None:
    from ..audit import record

    record(action, "user", user.id, user=None, via="cli", username=user.username, **detail)


def init_app(app) -> None:
    for command in (create_user_command, set_password_command, deactivate_user_command, ensure_admin_command):
        app.cli.add_command(command)
