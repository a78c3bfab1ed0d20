"""The one clock of the app, so tests can move time."""

from datetime import UTC, date, datetime


def now() -> datetime:
    """Current time, timezone-aware UTC. Tests monkeypatch this function."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """UTC timestamp as stored in the database: sortable ISO 8601 text."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def age(born: date) -> int:
    """Whole years from `born` to today."""
    today = now().date()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
