"""Alembic environment: runs on the connection handed over by ``gallery.db.migrate``."""
from alembic import context

from gallery.models import Base

connection = context.config.attributes["connection"]
# A transaction per migration: one that must run outside a transaction (CREATE INDEX
# CONCURRENTLY on PostgreSQL) commits the migrations before it and goes on.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                  transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
