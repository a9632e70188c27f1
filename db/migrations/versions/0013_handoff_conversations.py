"""hand-off conversations and their messages

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 08:39:52
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_table(
        "handoff_conversations",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(), nullable=False),
        sa.Column("last_worker_at", sa.DateTime(), nullable=True),
        sa.Column("last_staff_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("taken_by", sa.String(length=128), nullable=True),
        sa.Column("taken_at", sa.DateTime(), nullable=True),
        sa.Column("staff_channel", sa.String(length=16), nullable=True),
        sa.Column("staff_chat", sa.String(length=64), nullable=True),
        sa.Column("card_key", sa.String(length=128), nullable=True),
        sa.Column("paused_until", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_handoff_conversations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_conversations")),
        sqlite_autoincrement=True,  # ids never reused (see 0011)
    )
    op.create_index(
        "uq_handoff_conversations_open_user",
        "handoff_conversations",
        ["user_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index("ix_handoff_conversations_user_id", "handoff_conversations", ["user_id", "id"])
    op.create_index(
        "ix_handoff_conversations_status_activity",
        "handoff_conversations",
        ["status", "last_activity_at"],
    )
    op.create_index("ix_handoff_conversations_card_key", "handoff_conversations", ["card_key"])

    op.create_table(
        "handoff_messages",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("conversation_id", BigId, nullable=False),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("author_name", sa.String(length=128), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("media_kind", sa.String(length=16), nullable=True),
        sa.Column("media_ref", sa.String(length=512), nullable=True),
        sa.Column("staff_ref", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["handoff_conversations.id"],
            name=op.f("fk_handoff_messages_conversation_id_handoff_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_messages")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_handoff_messages_conversation_id", "handoff_messages", ["conversation_id", "id"]
    )
    op.create_index("ix_handoff_messages_staff_ref", "handoff_messages", ["staff_ref"])


def downgrade() -> None:
    op.drop_table("handoff_messages")
    op.drop_table("handoff_conversations")
