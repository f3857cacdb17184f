"""reminders sent to patients (once each), and the clinic's logo

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-08 09:00:00

A new table and a nullable column without a default: on PostgreSQL neither rewrites
nor locks a table for longer than the catalogue change, so no CONCURRENTLY is needed
(the reminders table is empty when its indexes are built).
"""
from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('clinics') as batch:
        batch.add_column(sa.Column('logo_sha256', sa.String(length=64), nullable=True))
    op.create_table(
        'reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('sent_to', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id']),
        sa.ForeignKeyConstraint(['patient_id'], ['patients.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('patient_id', 'kind', 'due_on'),
    )
    with op.batch_alter_table('reminders') as batch:
        batch.create_index('ix_reminders_clinic_id', ['clinic_id'])
        batch.create_index('ix_reminders_patient_id', ['patient_id'])


def downgrade() -> None:
    op.drop_table('reminders')
    with op.batch_alter_table('clinics') as batch:
        batch.drop_column('logo_sha256')
