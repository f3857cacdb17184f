"""public images rendered once; anonymous views counted per day

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 18:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('comparisons') as batch:
        batch.add_column(sa.Column('public_image_sha256', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('public_image_identifiable', sa.Boolean(), nullable=True))
    op.create_table('public_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('comparison_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], ),
    sa.ForeignKeyConstraint(['comparison_id'], ['comparisons.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('comparison_id', 'day')
    )
    with op.batch_alter_table('public_views') as batch:
        batch.create_index('ix_public_views_clinic_id', ['clinic_id'])


def downgrade() -> None:
    op.drop_table('public_views')
    with op.batch_alter_table('comparisons') as batch:
        batch.drop_column('public_image_identifiable')
        batch.drop_column('public_image_sha256')
