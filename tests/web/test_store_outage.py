"""The S3 store down or hung: a clear 503 in bounded time, never a 500 or a held thread."""
from __future__ import annotations

import io
import signal
import sys

import boto3
import pytest

from tests.images import astronaut_jpeg
from tests.servers import _free_port, _missing, _serve
from tests.web.helpers import api_caller


@pytest.fixture
def own_s3(monkeypatch):
    """A moto S3 server of this test's own, to stop (the session's is shared by other tests)."""
    try:
        import moto.server  # noqa: F401
    except ImportError:
        _missing("moto[server]")
    port = _free_port()
    process = _serve([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], port)
    for key, value in (("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}"), ("AWS_ACCESS_KEY_ID", "test"),
                       ("AWS_SECRET_ACCESS_KEY", "test"), ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(key, value)
    boto3.client("s3").create_bucket(Bucket="photos")
    yield process
    process.kill()
    process.wait(10)


@pytest.mark.parametrize("fault", ["stopped", "hung"])
def test_photos_answer_503_while_the_store_is_down(make_app, staff, own_s3, fault):
    """Attack: with S3 down a photo's image answered 500; a hung S3 held an upload thread as long as it hung."""
    app = make_app(GALLERY_STORE_URL="s3://photos/clinic-a", GALLERY_STORE_TIMEOUT_S=1.0)
    staff.create()
    api = api_caller(app, staff.token())
    web = staff.login(app.test_client())
    patient = api("POST", "/api/v1/patients", json={"name": "Ann Lee"}).get_json()["id"]
    made = api("POST", f"/api/v1/patients/{patient}/photos", content_type="multipart/form-data",
               data={"file": (io.BytesIO(astronaut_jpeg(2.0)), "p.jpg"), "expression": "rest"})
    assert made.status_code == 201, made.data
    photo = made.get_json()["id"]
    assert web.get(f"/photos/{photo}/image/display").status_code == 200
    if fault == "stopped":
        own_s3.kill()
        own_s3.wait(10)
    else:
        own_s3.send_signal(signal.SIGSTOP)
    try:
        page = web.get(f"/photos/{photo}/image/display")
        assert page.status_code == 503 and "photo store cannot be reached" in page.get_data(as_text=True)
        answer = api("GET", f"/api/v1/photos/{photo}/image")
        assert answer.status_code == 503 and answer.get_json()["error"]["code"] == "unavailable"
        late = api("POST", f"/api/v1/patients/{patient}/photos", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(astronaut_jpeg(2.2)), "q.jpg"), "expression": "rest"})
        assert late.status_code == 503 and "nothing was" in late.get_json()["error"]["message"]
        assert len(api("GET", f"/api/v1/patients/{patient}").get_json()["photo_ids"]) == 1  # no half record
    finally:
        if fault == "hung":
            own_s3.send_signal(signal.SIGCONT)
