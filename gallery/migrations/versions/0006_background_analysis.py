"""background analysis: a status per photo

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 16:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Photos stored before this revision were analysed during their upload.
    with op.batch_alter_table('photos') as batch:
        batch.add_column(sa.Column('analysis_status', sa.String(length=10), nullable=False, server_default='done'))
        batch.add_column(sa.Column('analysis_error', sa.String(length=300), nullable=True))
        batch.add_column(sa.Column('analysis_started_at', sa.DateTime(), nullable=True))
        batch.create_index('ix_photos_analysis_status', ['analysis_status'])


def downgrade() -> None:
    with op.batch_alter_table('photos') as batch:
        batch.drop_index('ix_photos_analysis_status')
        batch.drop_column('analysis_started_at')
        batch.drop_column('analysis_error')
        batch.drop_column('analysis_status')
