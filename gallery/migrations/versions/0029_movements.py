"""movements: muscle movement in mm per contraction photo against its visit's rest photo

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-08 09:00:00

A new, empty table: its indexes are built with it, inside the migration's transaction
(nothing writes to it yet, so nothing waits on the build).
"""
from alembic import op
import sqlalchemy as sa


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'movements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=False),
        sa.Column('expression', sa.String(length=10), nullable=False),
        sa.Column('rest_photo_id', sa.Integer(), nullable=False),
        sa.Column('contraction_photo_id', sa.Integer(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=False),
        sa.Column('method_version', sa.Integer(), nullable=False),
        sa.Column('measured_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id']),
        sa.ForeignKeyConstraint(['contraction_photo_id'], ['photos.id']),
        sa.ForeignKeyConstraint(['rest_photo_id'], ['photos.id']),
        sa.ForeignKeyConstraint(['visit_id'], ['visits.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('contraction_photo_id'),
    )
    with op.batch_alter_table('movements') as batch:
        batch.create_index('ix_movements_clinic_id', ['clinic_id'])
        batch.create_index('ix_movements_visit_id', ['visit_id'])


def downgrade() -> None:
    op.drop_table('movements')
