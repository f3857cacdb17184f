"""plan revisions: every save kept, and a revision number for If-Match

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 17:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('injection_plans') as batch:
        batch.add_column(sa.Column('revision', sa.Integer(), nullable=False, server_default='0'))
    op.create_table('plan_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('product', sa.String(length=120), nullable=False),
    sa.Column('lot', sa.String(length=60), nullable=False),
    sa.Column('dilution', sa.String(length=60), nullable=False),
    sa.Column('sites', sa.JSON(), nullable=False),
    sa.Column('injector_id', sa.Integer(), nullable=True),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], ),
    sa.ForeignKeyConstraint(['injector_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['photo_id'], ['photos.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['injection_plans.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'revision')
    )
    with op.batch_alter_table('plan_revisions') as batch:
        batch.create_index('ix_plan_revisions_clinic_id', ['clinic_id'])
        batch.create_index('ix_plan_revisions_plan_id', ['plan_id'])
    # Plans saved before this revision become revision 1 of themselves.
    op.execute("INSERT INTO plan_revisions (clinic_id, plan_id, revision, photo_id, product, lot, dilution, sites, "
               "injector_id, saved_at) SELECT clinic_id, id, 1, photo_id, product, lot, dilution, sites, injector_id, "
               "updated_at FROM injection_plans")
    op.execute("UPDATE injection_plans SET revision = 1")


def downgrade() -> None:
    op.drop_table('plan_revisions')
    with op.batch_alter_table('injection_plans') as batch:
        batch.drop_column('revision')
