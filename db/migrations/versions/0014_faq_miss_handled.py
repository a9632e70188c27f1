"""faq misses: handled by staff

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 11:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("faq_misses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handled_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("handled_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("handled_as", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("faq_misses", schema=None) as batch_op:
        batch_op.drop_column("handled_as")
        batch_op.drop_column("handled_by")
        batch_op.drop_column("handled_at")
