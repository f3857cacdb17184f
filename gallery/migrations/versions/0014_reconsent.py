"""consent texts that require patients to consent again

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25 20:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('consent_texts') as batch:
        batch.add_column(sa.Column('reconsent_scopes', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('consent_texts') as batch:
        batch.drop_column('reconsent_scopes')
