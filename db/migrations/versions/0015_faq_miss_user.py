"""faq_misses: who asked, so erasure can delete a person's questions

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 12:10:00

Questions asked before this migration name nobody; erasure finds them by the person's
name and numbers instead (`db/erasure.py`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # On SQLite the foreign key makes Alembic rebuild the table (batch mode); it keeps
    # AUTOINCREMENT (see 0011).
    with op.batch_alter_table("faq_misses", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.add_column(sa.Column("user_id", BIG_ID, nullable=True))
        batch.create_foreign_key(
            "fk_faq_misses_user_id_users", "users", ["user_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_faq_misses_user_id", ["user_id"])


def downgrade() -> None:
    with op.batch_alter_table("faq_misses", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_index("ix_faq_misses_user_id")
        batch.drop_constraint("fk_faq_misses_user_id_users", type_="foreignkey")
        batch.drop_column("user_id")
