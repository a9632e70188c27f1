"""registrations: the old (pre-2025) address as typed, and the duplicate-phone link

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 07:40:00.805420
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # On SQLite the foreign key makes Alembic rebuild the table (batch mode), indexes included.
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(sa.Column("old_address", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("duplicate_of_id", BIG_ID, nullable=True))
        batch.create_foreign_key(
            "fk_registrations_duplicate_of_id_registrations",
            "registrations",
            ["duplicate_of_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("registrations") as batch:
        batch.drop_constraint("fk_registrations_duplicate_of_id_registrations", type_="foreignkey")
        batch.drop_column("duplicate_of_id")
        batch.drop_column("old_address")
