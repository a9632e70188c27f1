"""staff session generation; SQLite ids never reused (AUTOINCREMENT)

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-01 09:00:00

On SQLite, AUTOINCREMENT can only be declared when a table is created, so every table
with an integer id is rebuilt (Alembic's batch mode: new table, copy, drop, rename, with
its indexes). `db.migrate.upgrade` turns foreign keys off for the migration, so dropping
the old `users` does not cascade to conversation states, and checks them afterwards.
The rows keep their ids; SQLite records the largest one, and new rows go above it. An id
freed before this migration may still be given once more.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table whose key is one integer id (conversation_states is keyed by its user,
# zalo_oa_tokens by the app id).
ID_TABLES = (
    "users",
    "processed_updates",
    "outbox",
    "faq_misses",
    "referrers",
    "registrations",
    "audit_events",
    "licensed_recruiters",
    "job_fairs",
    "fair_interests",
    "broadcasts",
    "broadcast_recipients",
    "staff_accounts",
)


def upgrade() -> None:
    with op.batch_alter_table("staff_accounts") as batch:
        batch.add_column(
            sa.Column(
                "session_generation", sa.Integer(), server_default=sa.text("0"), nullable=False
            )
        )
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(autoincrement=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(autoincrement=False)
    with op.batch_alter_table("staff_accounts") as batch:
        batch.drop_column("session_generation")


def _rebuild(autoincrement: bool) -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for table in ID_TABLES:
        if table not in existing:  # a table a later release dropped
            continue
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass
