"""One notion of 'now' for everything stored: naive UTC."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Current UTC time without tzinfo (what both SQLite and PostgreSQL columns hold)."""
    return datetime.now(UTC).replace(tzinfo=None)
