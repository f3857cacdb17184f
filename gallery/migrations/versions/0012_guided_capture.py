"""guided capture: a photo's view and override, a clinic's capture protocol

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 19:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('photos') as batch:
        batch.add_column(sa.Column('view', sa.String(length=10), server_default='front', nullable=False))
        batch.add_column(sa.Column('capture_override', sa.String(length=200), nullable=True))
    with op.batch_alter_table('clinics') as batch:
        batch.add_column(sa.Column('capture_protocol', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('clinics') as batch:
        batch.drop_column('capture_protocol')
    with op.batch_alter_table('photos') as batch:
        batch.drop_column('capture_override')
        batch.drop_column('view')
