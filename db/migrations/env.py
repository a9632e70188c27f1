"""Alembic environment: runs on a connection handed over by `db.migrate`.

The async engine belongs to the application; `db.migrate` opens a connection and passes
it here through `config.attributes["connection"]` (Alembic's connection-sharing recipe).
"""

from alembic import context

from db.migrate import include_object, render_item
from db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `python -m bot db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=include_object,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
