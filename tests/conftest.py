"""Fixtures: a new app and database per test (SQLite in tmp_path, or PostgreSQL).

Set GALLERY_TEST_DATABASE_URL to run the suite against a PostgreSQL server:
each test then starts from an empty schema in that database.
"""
from __future__ import annotations

import os
import sys

import pytest
from sqlalchemy import create_engine, text

from app import create_app
from gallery.auth import hash_password, new_api_token
from gallery.db import get_db
from gallery.models import Base, Clinic, User

PASSWORD = "correct horse battery"
pytest_plugins = ["tests.servers"]
# Our development machines keep data beside the repository (../shared); a clone does not have it.
OUTSIDE_THE_CLONE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                 "shared") + os.sep


def _refuse_files_outside_the_clone(event: str, args: tuple) -> None:
    """An audit hook: a test that opens a file under ../shared fails as it would on a fresh clone."""
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.abspath(os.fsdecode(args[0]))
        if path.startswith(OUTSIDE_THE_CLONE):
            raise PermissionError(f"{path} is not part of the repository: copy what a test needs into tests/data "
                                  "(with its source and licence in tests/data/NOTICE.md)")


sys.addaudithook(_refuse_files_outside_the_clone)


def _empty_database(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


def emptied_test_database() -> str:
    """The database the tests use: the one GALLERY_TEST_DATABASE_URL names, emptied, or "" (SQLite
    under each app's data folder). Emptied once per test, not per app: a test may start a second
    app on the first one's data."""
    database_url = os.environ.get("GALLERY_TEST_DATABASE_URL", "")
    if database_url:
        _empty_database(database_url)
    return database_url


def app_for_tests(data_dir: str, database_url: str, **settings):
    """An app with the tests' settings (``settings`` added) on ``database_url``."""
    return create_app({"TESTING": True, "GALLERY_DATA_DIR": data_dir, "WTF_CSRF_ENABLED": False,
                       "RATELIMIT_ENABLED": False, "DATABASE_URL": database_url,
                       # Analyses run inside the upload request, so a test reads them at once;
                       # tests/web/test_background_analysis.py runs the real queues.
                       "GALLERY_QUEUE_URL": "immediate", **settings})


@pytest.fixture
def make_app(tmp_path):
    """Build an app with extra settings; the database is fresh for each test."""
    database_url = emptied_test_database()
    apps = []

    def factory(**settings):
        app = app_for_tests(str(tmp_path / "data"), database_url, **settings)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["gallery_engine"].dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


class Staff:
    """Creates clinics and staff, logs a client in, mints API tokens."""

    def __init__(self, app):
        self.app = app

    def create(self, email: str = "nurse@clinic-a.test", clinic: str = "Clinic A", role: str = "injector",
               name: str = "") -> int:
        with self.app.app_context():
            db = get_db()
            row = db.query(Clinic).filter_by(name=clinic).one_or_none()
            if row is None:
                row = Clinic(name=clinic)
                db.add(row)
                db.flush()
            user = User(clinic_id=row.id, email=email, name=name, password_hash=hash_password(PASSWORD), role=role)
            db.add(user)
            db.commit()
            return user.id

    def login(self, client, email: str = "nurse@clinic-a.test"):
        """Sign in with the password; where a second factor is asked for (admins, medical directors),
        the session is completed as the code page would (tests/web/test_second_factor.py drives that page)."""
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.data
        if response.headers["Location"].startswith(("/login/code", "/account/second-factor")):
            with self.app.app_context():
                user = get_db().query(User).filter_by(email=email).one()
                user_id, epoch = user.id, user.session_epoch
            with client.session_transaction() as session:
                session.clear()
                session.update(user_id=user_id, epoch=epoch, second_factor=True)
        return client

    def token(self, email: str = "nurse@clinic-a.test") -> str:
        with self.app.app_context():
            db = get_db()
            token = new_api_token(db.query(User).filter_by(email=email).one())
            db.commit()
            return token


@pytest.fixture
def staff(app):
    return Staff(app)


@pytest.fixture
def logged_in(client, staff):
    staff.create()
    return staff.login(client)
