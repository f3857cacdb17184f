"""Backup while the app runs, restore into an empty data directory, and serve the photos again."""
from __future__ import annotations

import hashlib
import os

import pytest

from tests.images import astronaut_jpeg
from tests.web.helpers import create_patient, upload


@pytest.mark.skipif(bool(os.environ.get("GALLERY_TEST_DATABASE_URL")), reason="backup covers SQLite; PostgreSQL uses pg_dump")
def test_backup_then_restore_serves_every_photo(make_app, staff, tmp_path):
    """Accident: a lost disk. The copy must be complete and readable by a fresh install."""
    app = make_app()
    staff.create()
    client = staff.login(app.test_client())
    patient_id = create_patient(client)
    originals = [astronaut_jpeg(2.0), astronaut_jpeg(2.5)]
    upload(client, patient_id, *[(data, f"{n}.jpg") for n, data in enumerate(originals)])
    thumb = client.get("/photos/2/image/thumb").data

    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy")])
    assert result.exit_code == 0 and "Backed up 2 photo(s)" in result.output, result.output
    again = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy")])
    assert again.exit_code != 0 and "not empty" in again.output

    fresh_dir = tmp_path / "fresh"
    fresh = make_app(GALLERY_DATA_DIR=str(fresh_dir))
    restored = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "copy")])
    assert restored.exit_code == 0 and "Restored 2 photo(s)" in restored.output, restored.output
    twice = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "copy")])
    assert twice.exit_code != 0 and "already holds data" in twice.output

    served = make_app(GALLERY_DATA_DIR=str(fresh_dir))  # the restarted app, on the restored data
    browser = staff.login(served.test_client())  # the same account and password work
    timeline = browser.get(f"/patients/{patient_id}")
    assert timeline.status_code == 200 and timeline.get_data().count(b'class="photo-card"') == 2
    assert browser.get("/photos/2/image/thumb").data == thumb
    for photo_id, data in enumerate(originals, start=1):
        original = browser.get(f"/photos/{photo_id}/original").data
        assert hashlib.sha256(original).hexdigest() == hashlib.sha256(data).hexdigest()
