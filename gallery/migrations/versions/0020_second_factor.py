"""a second factor for staff: TOTP secret, last step, recovery codes; the clinic's requirement

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 06:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('totp_enabled_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('recovery_codes', sa.JSON(), nullable=True))
    with op.batch_alter_table('clinics') as batch:
        batch.add_column(sa.Column('require_second_factor', sa.Boolean(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('clinics') as batch:
        batch.drop_column('require_second_factor')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('recovery_codes')
        batch.drop_column('totp_last_step')
        batch.drop_column('totp_enabled_at')
        batch.drop_column('totp_secret')
