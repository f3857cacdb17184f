"""The migrations build exactly the schema the models describe."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gallery.models import Base


def test_migrated_database_matches_the_models(app):
    engine = app.extensions["gallery_engine"]
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_treated_visits_get_a_treatment_record_from_their_plan(tmp_path):
    """Migration 0024: a visit marked treated before treatment records existed keeps counting
    (sign-off, the interval rule), with a record made from its plan; an untreated one gets none."""
    import json

    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, text

    from gallery.db import _MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    before = ScriptDirectory.from_config(config).get_revision("0024").down_revision
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    sites = [{"id": "a", "region": "glabella", "x": 1, "y": 2, "units": 4, "label": "", "note": ""},
             {"id": "b", "region": "glabella", "x": 3, "y": 4, "units": 6.5, "label": "", "note": ""}]
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, before)
        connection.execute(text("INSERT INTO clinics (id, name, created_at) VALUES (1, 'A', '2026-01-01')"))
        connection.execute(text("INSERT INTO patients (id, clinic_id, name, created_at) VALUES (1, 1, 'P', '2026-01-01')"))
        for visit, treated in ((1, 1), (2, 0)):
            connection.execute(text("INSERT INTO visits (id, clinic_id, patient_id, visit_date, notes, treated, "
                                    "created_at) VALUES (:v, 1, 1, '2026-01-0' || :v, '', :t, '2026-01-01')"),
                               {"v": visit, "t": treated})
            connection.execute(text("INSERT INTO injection_plans (clinic_id, visit_id, photo_id, product, lot, "
                                    "dilution, sites, created_at, updated_at, revision) VALUES (1, :v, 1, 'Botox', "
                                    "'L1', '', :s, '2026-01-01', '2026-01-01 10:00:00', 1)"),
                               {"v": visit, "s": json.dumps(sites)})
        command.upgrade(config, "head")
        rows = connection.execute(text("SELECT visit_id, total_units, lot, sites FROM treatment_records")).all()
    assert [(r.visit_id, r.total_units, r.lot) for r in rows] == [(1, 10.5, "L1")]
    assert json.loads(rows[0].sites) == sites


def test_hosts_migrating_one_postgresql_wait_for_each_other(tmp_path):
    """Issue 34: two hosts starting together share no file system, so the file lock did not
    serialise them; a PostgreSQL advisory lock does. Here the lock is held by "another host"
    (a second connection): the migration waits until it is released."""
    import os
    import threading

    from sqlalchemy import create_engine, text

    from gallery.db import MIGRATION_LOCK, migrate

    url = os.environ.get("GALLERY_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        import pytest

        pytest.skip("the advisory lock is PostgreSQL's (SQLite keeps the file lock)")
    engine = create_engine(url)
    other_host = engine.connect()
    other_host.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
    other_host.commit()
    done = threading.Event()
    migrating = threading.Thread(target=lambda: (migrate(engine, str(tmp_path)), done.set()), daemon=True)
    migrating.start()
    assert not done.wait(1.5)  # waiting for the other host
    other_host.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
    other_host.commit()
    assert done.wait(30)
    other_host.close()
    engine.dispose()
