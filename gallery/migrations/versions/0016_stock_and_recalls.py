"""products and lots in stock, the plan's lot, patients' contact details

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-25 20:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('manufacturer', sa.String(length=120), nullable=False),
    sa.Column('units_per_vial', sa.Float(), nullable=False),
    sa.Column('reconstitution_note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('clinic_id', 'name')
    )
    with op.batch_alter_table('products') as batch:
        batch.create_index('ix_products_clinic_id', ['clinic_id'])
    op.create_table('lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('lot_number', sa.String(length=60), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], ),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('product_id', 'lot_number')
    )
    with op.batch_alter_table('lots') as batch:
        batch.create_index('ix_lots_clinic_id', ['clinic_id'])
        batch.create_index('ix_lots_product_id', ['product_id'])
        batch.create_index('ix_lots_lot_number', ['lot_number'])
    with op.batch_alter_table('injection_plans') as batch:
        batch.add_column(sa.Column('lot_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_injection_plans_lot_id_lots', 'lots', ['lot_id'], ['id'])
        batch.create_index('ix_injection_plans_lot_id', ['lot_id'])
    with op.batch_alter_table('plan_revisions') as batch:
        batch.add_column(sa.Column('lot_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_plan_revisions_lot_id_lots', 'lots', ['lot_id'], ['id'])
    with op.batch_alter_table('patients') as batch:
        batch.add_column(sa.Column('phone', sa.String(length=40), server_default='', nullable=False))
        batch.add_column(sa.Column('email', sa.String(length=254), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('patients') as batch:
        batch.drop_column('email')
        batch.drop_column('phone')
    with op.batch_alter_table('plan_revisions') as batch:
        batch.drop_constraint('fk_plan_revisions_lot_id_lots', type_='foreignkey')
        batch.drop_column('lot_id')
    with op.batch_alter_table('injection_plans') as batch:
        batch.drop_index('ix_injection_plans_lot_id')
        batch.drop_constraint('fk_injection_plans_lot_id_lots', type_='foreignkey')
        batch.drop_column('lot_id')
    op.drop_table('lots')
    op.drop_table('products')
