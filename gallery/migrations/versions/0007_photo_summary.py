"""photo summary: what lists and charts read, without the landmarks

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 17:40:00
"""
from alembic import op
import sqlalchemy as sa

from gallery.models import summarise

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('photos') as batch:
        batch.add_column(sa.Column('summary', sa.JSON(), nullable=False, server_default='{}'))
    photos = sa.table('photos', sa.column('id', sa.Integer), sa.column('analysis', sa.JSON),
                      sa.column('summary', sa.JSON))
    connection = op.get_bind()
    for photo_id, analysis in connection.execute(sa.select(photos.c.id, photos.c.analysis)).all():
        connection.execute(photos.update().where(photos.c.id == photo_id).values(summary=summarise(analysis or {})))


def downgrade() -> None:
    with op.batch_alter_table('photos') as batch:
        batch.drop_column('summary')
