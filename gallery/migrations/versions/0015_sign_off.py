"""medical-director sign-off of visits, and amendments to signed visits

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25 20:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('visits') as batch:
        batch.add_column(sa.Column('signed_off_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('signed_off_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_visits_signed_off_by_id_users', 'users', ['signed_off_by_id'], ['id'])
    op.create_table('amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('signed_off_at', sa.DateTime(), nullable=True),
    sa.Column('signed_off_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['signed_off_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('amendments') as batch:
        batch.create_index('ix_amendments_clinic_id', ['clinic_id'])
        batch.create_index('ix_amendments_visit_id', ['visit_id'])


def downgrade() -> None:
    op.drop_table('amendments')
    with op.batch_alter_table('visits') as batch:
        batch.drop_constraint('fk_visits_signed_off_by_id_users', type_='foreignkey')
        batch.drop_column('signed_off_by_id')
        batch.drop_column('signed_off_at')
