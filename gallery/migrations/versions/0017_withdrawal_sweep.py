"""where a withdrawn patient's photos went, kept with the withdrawal

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-25 20:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('consent_records') as batch:
        batch.add_column(sa.Column('sweep', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('consent_records') as batch:
        batch.drop_column('sweep')
