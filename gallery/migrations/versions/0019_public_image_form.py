"""the form of a case's stored public image, and why the app unpublished a case

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 05:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Images stored before have no form (NULL): each is made again before it is served.
    with op.batch_alter_table('comparisons') as batch:
        batch.add_column(sa.Column('public_image_form', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('public_note', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('comparisons') as batch:
        batch.drop_column('public_note')
        batch.drop_column('public_image_form')
