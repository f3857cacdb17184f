"""indexes for lists at a chain's size: the audit log by record, visits awaiting sign-off

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 09:00:00

On PostgreSQL the indexes are built CONCURRENTLY, outside the migration's transaction,
so a large table stays writable while they build (IF NOT EXISTS: a build interrupted
and retried does not fail on the half it made).
"""
import sqlalchemy as sa

from gallery.migrations.online_indexes import create_indexes, drop_indexes


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

AWAITING = sa.text("treated AND signed_off_at IS NULL")
INDEXES = (
    ("ix_audit_events_object", "audit_events", ["clinic_id", "object_type", "object_id", "at"], {}),
    ("ix_visits_awaiting_sign_off", "visits", ["clinic_id", "visit_date"],
     {"postgresql_where": AWAITING, "sqlite_where": AWAITING}),
)


def upgrade() -> None:
    create_indexes(INDEXES)


def downgrade() -> None:
    drop_indexes(INDEXES)
