"""treatment records: the toxin given at a visit, apart from its plan

Revision ID: 0024
Revises: 0021
Create Date: 2026-12-07 08:00:00

Visits already marked treated (by saving a plan or ticking "toxin injected", before
this revision) get a record made from their plan, if any, given at its last save, so
the 90-day rule, responders and sign-off keep seeing them.
"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'treatment_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=False),
        sa.Column('given_at', sa.DateTime(), nullable=False),
        sa.Column('product', sa.String(length=120), nullable=False),
        sa.Column('lot', sa.String(length=60), nullable=False),
        sa.Column('lot_id', sa.Integer(), nullable=True),
        sa.Column('dilution', sa.String(length=60), nullable=False),
        sa.Column('sites', sa.JSON(), nullable=False),
        sa.Column('total_units', sa.Float(), nullable=False),
        sa.Column('warnings', sa.JSON(), nullable=False),
        sa.Column('override_reason', sa.Text(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id']),
        sa.ForeignKeyConstraint(['lot_id'], ['lots.id']),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['visit_id'], ['visits.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('visit_id'),
    )
    with op.batch_alter_table('treatment_records') as batch:
        batch.create_index('ix_treatment_records_clinic_id', ['clinic_id'])
        batch.create_index('ix_treatment_records_lot_id', ['lot_id'])
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT v.clinic_id, v.id AS visit_id, COALESCE(p.updated_at, v.created_at) AS updated_at, p.product, p.lot, "
        "p.lot_id, p.dilution, p.sites, p.injector_id FROM visits v LEFT JOIN injection_plans p ON p.visit_id = v.id "
        "WHERE v.treated")).fetchall()
    table = sa.table('treatment_records', *(sa.column(name) for name in (
        'clinic_id', 'visit_id', 'given_at', 'product', 'lot', 'lot_id', 'dilution', 'total_units',
        'override_reason', 'recorded_by_id', 'recorded_at')), sa.column('sites', sa.JSON()),
        sa.column('warnings', sa.JSON()))
    for row in rows:
        sites = row.sites if isinstance(row.sites, list) else json.loads(row.sites or "[]")
        bind.execute(table.insert().values(
            clinic_id=row.clinic_id, visit_id=row.visit_id, given_at=row.updated_at, product=row.product or "",
            lot=row.lot or "", lot_id=row.lot_id, dilution=row.dilution or "", sites=sites,
            total_units=round(sum(float(site.get("units", 0)) for site in sites), 2), warnings=[],
            override_reason="", recorded_by_id=row.injector_id, recorded_at=row.updated_at))


def downgrade() -> None:
    op.drop_table('treatment_records')
