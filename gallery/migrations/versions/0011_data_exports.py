"""patients' data exports; a clinic's choice to include original photos

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 19:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('clinics') as batch:
        batch.add_column(sa.Column('export_originals', sa.Boolean(), server_default='0', nullable=False))
    op.create_table('data_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_patient', sa.Boolean(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], ),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('data_exports') as batch:
        batch.create_index('ix_data_exports_clinic_id', ['clinic_id'])
        batch.create_index('ix_data_exports_patient_id', ['patient_id'])
        batch.create_index('ix_data_exports_status', ['status'])


def downgrade() -> None:
    op.drop_table('data_exports')
    with op.batch_alter_table('clinics') as batch:
        batch.drop_column('export_originals')
