"""staff accounts and the registrations search column

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-23 15:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from faq.normalize import fold

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("disabled_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_accounts")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_accounts_username")),
    )
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(sa.Column("search_text", sa.String(length=200), nullable=True))
    op.create_index(
        "ix_registrations_listed",
        "registrations",
        ["created_at", "id", "search_text"],
        sqlite_where=sa.text("anonymised_at IS NULL"),
        postgresql_where=sa.text("anonymised_at IS NULL"),
    )
    op.create_index(
        "ix_registrations_province_created", "registrations", ["province_name", "created_at"]
    )
    op.create_index(
        "ix_registrations_commune_created", "registrations", ["commune_name", "created_at"]
    )
    op.create_index("ix_registrations_market_created", "registrations", ["market", "created_at"])
    _backfill_search_text()
    _trigram_index()


def _trigram_index() -> None:
    """PostgreSQL: a trigram index, so a name search with few matches need not read every
    row. Skipped (searches still work, by scanning) where pg_trgm is not installed or
    may not be created by this user."""
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    available = conn.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).scalar()
    if not available:
        return
    try:
        with conn.begin_nested():
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        return
    op.execute(
        "CREATE INDEX ix_registrations_search_trgm ON registrations "
        "USING gin (search_text gin_trgm_ops) WHERE anonymised_at IS NULL"
    )


def _backfill_search_text() -> None:
    """Fold name, code and phone of the existing rows, the way the model does on write."""
    conn = op.get_bind()
    table = sa.table(
        "registrations",
        sa.column("id", sa.Integer),
        sa.column("full_name", sa.String),
        sa.column("code", sa.String),
        sa.column("phone", sa.String),
        sa.column("search_text", sa.String),
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(table.c.id, table.c.full_name, table.c.code, table.c.phone)
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            text = " ".join(p for p in (row.full_name, row.code, row.phone) if p)
            conn.execute(
                table.update()
                .where(table.c.id == row.id)
                .values(search_text=fold(text)[:200] or None)
            )
        last = rows[-1].id


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_registrations_search_trgm")
    op.drop_index("ix_registrations_market_created", table_name="registrations")
    op.drop_index("ix_registrations_commune_created", table_name="registrations")
    op.drop_index("ix_registrations_province_created", table_name="registrations")
    op.drop_index("ix_registrations_listed", table_name="registrations")
    with op.batch_alter_table("registrations") as batch:
        batch.drop_column("search_text")
    op.drop_table("staff_accounts")
