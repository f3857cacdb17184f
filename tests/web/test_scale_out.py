"""Background analysis on the real queues (embedded SQLite, Redis with `flask worker`) and the S3 store."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
import redis

from gallery.db import get_db
from gallery.models import Photo, utcnow
from tests.images import astronaut_jpeg
from tests.web.helpers import stored_files

ROOT = Path(__file__).resolve().parents[2]


def _api(app, staff):
    staff.create()
    headers = {"Authorization": f"Bearer {staff.token()}"}
    client = app.test_client()

    def call(method: str, path: str, **kwargs):
        return client.open(path, method=method, headers=headers, **kwargs)

    return call


def _upload(api, patient_id: int, data: bytes) -> dict:
    response = api("POST", f"/api/v1/patients/{patient_id}/photos", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(data), "p.jpg"), "expression": "rest"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _wait_for_status(api, photo_id: int, timeout: float = 90.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        photo = api("GET", f"/api/v1/photos/{photo_id}").get_json()
        if photo["analysis_status"] != "pending":
            return photo
        time.sleep(0.3)
    raise AssertionError(f"photo {photo_id} still pending after {timeout} s")


def _worker(app, *extra_env: tuple[str, str]) -> subprocess.Popen:
    """`flask --app app worker` in its own process, on this app's database, store and queue."""
    env = {**os.environ, "GALLERY_DATA_DIR": app.config["GALLERY_DATA_DIR"],
           "DATABASE_URL": app.config["DATABASE_URL"], "GALLERY_QUEUE_URL": app.config["GALLERY_QUEUE_URL"],
           "GALLERY_STORE_URL": app.config["GALLERY_STORE_URL"], **dict(extra_env)}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker", "--workers", "1"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def queue_url(redis_server):
    url = f"{redis_server}/0"
    redis.Redis.from_url(url).flushdb()  # no job of an earlier test's database
    return url


def test_embedded_queue_analyses_without_any_other_process(make_app, staff):
    app = make_app(GALLERY_QUEUE_URL="")
    api = _api(app, staff)
    patient = api("POST", "/api/v1/patients", json={"name": "Ann"}).get_json()["id"]
    uploaded = _upload(api, patient, astronaut_jpeg(4.0))
    assert uploaded["analysis_status"] == "pending" and uploaded["analysis"] is None
    done = _wait_for_status(api, uploaded["id"])
    assert done["analysis_status"] == "done" and done["analysis"]["face_found"] is True
    assert done["analysis"]["regions"]["forehead"]["wrinkle_index"] is not None


def test_embedded_queue_picks_up_what_a_stopped_server_left_pending(make_app, staff):
    first = make_app(GALLERY_QUEUE_URL="immediate")
    api = _api(first, staff)
    patient = api("POST", "/api/v1/patients", json={"name": "Ann"}).get_json()["id"]
    photo_id = _upload(api, patient, astronaut_jpeg(3.0))["id"]
    with first.app_context():  # as if the server stopped before the job ran
        photo = get_db().get(Photo, photo_id)
        photo.analysis, photo.analysis_status, photo.analysis_version = {}, "pending", 0
        get_db().commit()
    second = make_app(GALLERY_QUEUE_URL="")
    token = staff.token()
    client = second.test_client()
    get = client.get(f"/api/v1/photos/{photo_id}", headers={"Authorization": f"Bearer {token}"})
    assert get.get_json()["analysis_status"] == "pending"  # the first request starts the analysis thread
    done = _wait_for_status(lambda m, p, **k: client.open(p, method=m, headers={"Authorization": f"Bearer {token}"}),
                            photo_id)
    assert done["analysis_status"] == "done"


def test_redis_queue_waits_for_a_worker_then_the_worker_analyses(make_app, staff, queue_url):
    app = make_app(GALLERY_QUEUE_URL=queue_url)
    api = _api(app, staff)
    patient = api("POST", "/api/v1/patients", json={"name": "Ann"}).get_json()["id"]
    before = _upload(api, patient, astronaut_jpeg(3.0))
    after = _upload(api, patient, astronaut_jpeg(3.0, quality=85))
    time.sleep(1.5)
    assert api("GET", f"/api/v1/photos/{before['id']}").get_json()["analysis_status"] == "pending"
    refused = api("POST", "/api/v1/comparisons", json={"before": before["id"], "after": after["id"]})
    assert refused.status_code == 409 and "still being analysed" in refused.get_json()["error"]["message"]
    worker = _worker(app)
    try:
        assert _wait_for_status(api, before["id"])["analysis_status"] == "done"
        assert _wait_for_status(api, after["id"])["analysis_status"] == "done"
    finally:
        worker.terminate()
        worker.wait(30)
    made = api("POST", "/api/v1/comparisons", json={"before": before["id"], "after": after["id"]})
    assert made.status_code == 201


def test_a_job_whose_worker_died_runs_again(make_app, staff, queue_url):
    app = make_app(GALLERY_QUEUE_URL=queue_url, GALLERY_ANALYSIS_LEASE_SECONDS=2)
    api = _api(app, staff)
    patient = api("POST", "/api/v1/patients", json={"name": "Ann"}).get_json()["id"]
    photo_id = _upload(api, patient, astronaut_jpeg(3.0))["id"]
    redis.Redis.from_url(queue_url).flushdb()  # a worker took the job from the queue...
    with app.app_context():  # ...started it, and died
        photo = get_db().get(Photo, photo_id)
        photo.analysis_started_at = utcnow() - timedelta(seconds=10)
        get_db().commit()
    worker = _worker(app, ("GALLERY_ANALYSIS_LEASE_SECONDS", "2"))
    try:
        assert _wait_for_status(api, photo_id)["analysis_status"] == "done"
    finally:
        worker.terminate()
        worker.wait(30)


def _objects(bucket: str) -> list[str]:
    return sorted(o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=bucket).get("Contents", []))


def test_s3_store_keeps_every_blob_as_an_object_and_nothing_on_disk(s3_app, staff):
    app, bucket = s3_app
    api = _api(app, staff)
    patient = api("POST", "/api/v1/patients", json={"name": "Ann"}).get_json()["id"]
    data = astronaut_jpeg(4.0)
    photo = _upload(api, patient, data)
    sha = photo["sha256"]
    assert _objects(bucket) == [f"clinic-a/derived/{sha[:2]}/{sha}.{v}" for v in ("display", "lines", "thumb")] + [
        f"clinic-a/originals/{sha[:2]}/{sha}"]
    assert boto3.client("s3").get_object(Bucket=bucket, Key=f"clinic-a/originals/{sha[:2]}/{sha}")["Body"].read() == data
    assert stored_files(app) == []
    image = api("GET", f"/api/v1/photos/{photo['id']}/image?variant=thumb")
    assert image.status_code == 200 and image.data[:3] == b"\xff\xd8\xff"
    again = api("POST", f"/api/v1/patients/{patient}/photos", content_type="multipart/form-data",
                data={"file": (io.BytesIO(data), "p.jpg"), "expression": "rest"})
    assert again.status_code == 200 and len(_objects(bucket)) == 4


def test_s3_store_failed_commit_leaves_no_objects(s3_app, staff, monkeypatch):
    app, bucket = s3_app
    api = _api(app, staff)
    patient = api("POST", "/api/v1/patients", json={"name": "Ann"}).get_json()["id"]
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    def broken(self):
        raise OperationalError("COMMIT", {}, Exception("database went away"))

    with monkeypatch.context() as patch:
        patch.setattr(Session, "commit", broken)
        response = api("POST", f"/api/v1/patients/{patient}/photos", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(astronaut_jpeg()), "p.jpg"), "expression": "rest"})
    assert response.status_code == 503
    assert _objects(bucket) == []
