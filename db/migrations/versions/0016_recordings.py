"""spoken answers (recordings, their platform file ids), answer counts, listening language

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("listen_language", sa.String(length=8), nullable=True))
    op.create_table(
        "recordings",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("audio", sa.LargeBinary(), nullable=False),
        sa.Column("mime_type", sa.String(length=64), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
        sa.UniqueConstraint("entry_id", "language", name=op.f("uq_recordings_entry_id_language")),
        sqlite_autoincrement=True,  # ids never reused (see 0011)
    )
    op.create_table(
        "recording_files",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("recording_id", BigId, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("file_ref", sa.String(length=256), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_recording_files_recording_id_recordings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_files")),
        sa.UniqueConstraint(
            "recording_id", "channel", name=op.f("uq_recording_files_recording_id_channel")
        ),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "faq_answer_counts",
        sa.Column("entry_id", sa.String(length=32), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_faq_answer_counts")),
    )


def downgrade() -> None:
    op.drop_table("faq_answer_counts")
    op.drop_table("recording_files")
    op.drop_table("recordings")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("listen_language")
