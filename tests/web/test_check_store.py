"""check-store: blobs a crash left without a row are found and removed; lost blobs are reported."""
from __future__ import annotations

import hashlib
import os
import time

from tests.images import astronaut_jpeg
from tests.web.helpers import create_patient, upload
from uploads.store import blob_key


def _crash_leftovers(app, hours_old: float) -> str:
    """Blobs of an upload whose row never committed (kill -9 between store and commit)."""
    store = app.extensions["gallery_store"]
    sha = hashlib.sha256(f"crashed {hours_old}".encode()).hexdigest()
    for variant in ("original", "display", "thumb"):
        store.put(sha, variant, b"x")
        then = time.time() - hours_old * 3600
        os.utime(store.root / blob_key(sha, variant), (then, then))
    return sha


def test_orphans_are_removed_and_missing_blobs_reported(app, client, staff):
    """Accident: kill -9 during uploads (orphaned blobs), and a disk that lost a file (missing blob)."""
    staff.create()
    staff.login(client)
    upload(client, create_patient(client), (astronaut_jpeg(), "a.jpg"))
    old, new = _crash_leftovers(app, 2), _crash_leftovers(app, 0)
    runner = app.test_cli_runner()
    report = runner.invoke(args=["check-store"])
    assert report.exit_code == 0 and "3 orphaned blob(s) found" in report.output and "3 newer" in report.output
    fixed = runner.invoke(args=["check-store", "--fix"])
    assert "3 orphaned blob(s) deleted" in fixed.output
    store = app.extensions["gallery_store"]
    assert not store.exists(old, "original") and store.exists(new, "original")  # in-flight uploads are spared
    assert client.get("/photos/1/image/thumb").status_code == 200  # the real photo is untouched
    with app.app_context():
        from gallery.db import get_db
        from gallery.models import Photo
        sha = get_db().get(Photo, 1).sha256
    store.delete(sha, "thumb")
    lost = runner.invoke(args=["check-store"])
    assert lost.exit_code == 1 and "missing: photo 1 has no thumb" in lost.output


def test_check_store_reads_an_s3_bucket(s3_app, staff):
    app, bucket = s3_app
    staff.create()
    client = staff.login(app.test_client())
    upload(client, create_patient(client), (astronaut_jpeg(), "a.jpg"))
    report = app.test_cli_runner().invoke(args=["check-store"])
    assert report.exit_code == 0 and "0 orphaned blob(s) found" in report.output and "0 missing" in report.output
