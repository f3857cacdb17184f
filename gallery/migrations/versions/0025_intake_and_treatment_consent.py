"""intake and treatment consent: medical history reviews, treatment consent texts and signatures

Each is append-only: a review or a signature is a new row, never an update.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

FLAGS = ('pregnant_or_breastfeeding', 'neuromuscular_disease', 'toxin_allergy', 'infection_at_sites',
         'anticoagulants', 'aminoglycosides')


def upgrade() -> None:
    op.create_table(
        'medical_histories',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        *(sa.Column(flag, sa.Boolean(), nullable=False) for flag in FLAGS),
        sa.Column('previous_treatments', sa.Text(), nullable=False),
        sa.Column('other_medication', sa.Text(), nullable=False),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id']),
        sa.ForeignKeyConstraint(['patient_id'], ['patients.id']),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'treatment_consent_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.String(length=20), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id']),
        sa.ForeignKeyConstraint(['published_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('clinic_id', 'version'),
    )
    op.create_table(
        'treatment_consents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=10), nullable=False),
        sa.Column('text_version', sa.String(length=20), nullable=True),
        sa.Column('signed_name', sa.String(length=200), nullable=False),
        sa.Column('signature_png', sa.LargeBinary(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id']),
        sa.ForeignKeyConstraint(['patient_id'], ['patients.id']),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    for table, columns in (('medical_histories', ('clinic_id', 'patient_id', 'recorded_at')),
                           ('treatment_consent_texts', ('clinic_id',)),
                           ('treatment_consents', ('clinic_id', 'patient_id', 'created_at'))):
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.create_index(f'ix_{table}_{column}', [column])


def downgrade() -> None:
    op.drop_table('treatment_consents')
    op.drop_table('treatment_consent_texts')
    op.drop_table('medical_histories')
