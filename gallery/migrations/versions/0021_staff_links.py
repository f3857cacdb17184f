"""staff in the browser: invitation and password-reset links, deactivated accounts

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 06:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('deactivated_at', sa.DateTime(), nullable=True))
    op.create_table(
        'staff_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=10), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('token_sha256', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_sha256'),
    )
    with op.batch_alter_table('staff_links') as batch:
        batch.create_index('ix_staff_links_clinic_id', ['clinic_id'])
        batch.create_index('ix_staff_links_email', ['email'])
        batch.create_index('ix_staff_links_user_id', ['user_id'])


def downgrade() -> None:
    op.drop_table('staff_links')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('deactivated_at')
