"""patients' portal sessions end on the server: an epoch per account

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 05:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('patient_accounts') as batch:
        batch.add_column(sa.Column('session_epoch', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('patient_accounts') as batch:
        batch.drop_column('session_epoch')
