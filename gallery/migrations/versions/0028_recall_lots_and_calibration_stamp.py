"""typed lots indexed for the recall search; a clinic's audit rows by time; a clinic's kept calibration

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-08 09:00:00

Chained on 0026: another branch adds 0027; whichever merges second re-chains on the other.

The recall search asks the lots typed by hand (no lot from stock) by their trimmed,
lower-cased number: an expression index serves it, partial to those records. On
PostgreSQL it is built CONCURRENTLY, outside the migration's transaction (as 0026).

The audit page reads a clinic's rows newest first: (clinic_id, at) serves it (the index
on ``at`` alone walked past every other clinic's newer rows: 1.8 s at a chain's size).

``clinics.grading_stamp`` moves on whenever a grade is recorded or a photo's analysis
changes in the clinic; the grade calibration is fitted once per stamp and kept in
``clinics.calibration`` with the stamp it was fitted at.
"""
from alembic import op
import sqlalchemy as sa

from gallery.migrations.online_indexes import create_indexes, drop_indexes


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

TYPED = sa.text("lot_id IS NULL")
INDEXES = (
    ("ix_treatment_records_typed_lot", "treatment_records", ["clinic_id", sa.text("lower(trim(lot))")],
     {"postgresql_where": TYPED, "sqlite_where": TYPED}),
    ("ix_audit_events_clinic_at", "audit_events", ["clinic_id", "at"], {}),
)


def upgrade() -> None:
    with op.batch_alter_table("clinics") as batch:
        batch.add_column(sa.Column("grading_stamp", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("calibration", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("calibration_stamp", sa.Integer(), nullable=True))
    create_indexes(INDEXES)


def downgrade() -> None:
    drop_indexes(INDEXES)
    with op.batch_alter_table("clinics") as batch:
        batch.drop_column("calibration_stamp")
        batch.drop_column("calibration")
        batch.drop_column("grading_stamp")
