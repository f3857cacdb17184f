"""Operator commands as the README gives them."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gallery.auth.setup import issue_setup_link


def test_create_user_then_token_then_api(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "Doc@Clinic.test", "--role", "admin", "--clinic", "North Clinic",
                                 "--name", "Dr Doc", "--password-stdin"], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    assert issue_setup_link(app) is None
    result = runner.invoke(args=["create-token", "doc@clinic.test"])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    response = app.test_client().get("/api/v1/patients", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_create_user_refuses_short_password_and_duplicates(app):
    runner = app.test_cli_runner()
    args = ["create-user", "a@b.test", "--role", "injector", "--clinic", "C", "--name", "Al B", "--password-stdin"]
    assert runner.invoke(args=args, input="short\n").exit_code != 0
    assert runner.invoke(args=args, input="long enough password\n").exit_code == 0
    result = runner.invoke(args=args, input="long enough password\n")
    assert result.exit_code != 0 and "already exists" in result.output


def test_init_db_is_idempotent(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["init-db"]).exit_code == 0


def test_demo_data_fills_a_clinic(app, staff):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code != 0
    staff.create()
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    staff.login(client)
    page = client.get("/patients/1").get_data(as_text=True)
    assert "Demo Patient" in page and "/comparisons/1" in page and 'data-scope="portal"' in page
    api = client.get("/api/v1/comparisons/1", headers={"Authorization": f"Bearer {staff.token()}"}).get_json()
    assert api["regions"]["glabella"]["change_pct"] < 0  # the demo lines soften at review


def test_create_a_named_medical_director(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "mo@clinic.test", "--role", "medical_director", "--clinic", "C",
                                 "--name", "Dr Mo Dir", "--password-stdin"], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        from gallery.db import get_db
        from gallery.models import User
        user = get_db().query(User).filter_by(email="mo@clinic.test").one()
        assert (user.role, user.display_name) == ("medical_director", "Dr Mo Dir <mo@clinic.test>")


def test_help_changes_nothing(tmp_path):
    """`flask --help` loads the app to list its commands: no migration, no setup link, no database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GALLERY_", "DATABASE_URL"))}
    env["GALLERY_DATA_DIR"] = str(tmp_path / "data")
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "--help"], env=env, cwd=root,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "create-user" in result.stdout
    assert "/setup/" not in result.stdout + result.stderr and "Running upgrade" not in result.stderr
    assert not (tmp_path / "data" / "gallery.sqlite3").exists()
    # A command that runs migrates first: a fresh install's first account from the console.
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "create-user", "a@b.test", "--role",
                             "admin", "--clinic", "C", "--name", "A B", "--password-stdin"], env=env, cwd=root,
                            input="a long enough password\n", capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "/setup/" not in result.stderr
