"""At most GALLERY_MAX_DECODES full-size photos decoded at once per process: uploads and analyses."""
from __future__ import annotations

import io
import threading
import time

import pytest

from tests.images import astronaut, encode
from tests.web.helpers import api_caller


@pytest.mark.parametrize("slots", [1, 2])
def test_concurrent_uploads_and_analyses_share_the_decode_slots(make_app, staff, monkeypatch, slots):
    """Attack: four concurrent 40 MP uploads each decoded at once, 657-729 MB a worker."""
    import gallery.photos.analysis as analysis
    import gallery.photos.service as service

    app = make_app(GALLERY_MAX_DECODES=slots)
    staff.create()
    api = api_caller(app, staff.token())
    patient = api("POST", "/api/v1/patients", json={"name": "Ann Lee"}).get_json()["id"]
    lock, inside, peak = threading.Lock(), [0], [0]

    def counted(real):
        def decode(*args, **kwargs):
            with lock:
                inside[0] += 1
                peak[0] = max(peak[0], inside[0])
            time.sleep(0.05)  # long enough for the other threads to arrive
            try:
                return real(*args, **kwargs)
            finally:
                with lock:
                    inside[0] -= 1
        return decode

    monkeypatch.setattr(service, "prepare", counted(service.prepare))
    monkeypatch.setattr(analysis, "measure", counted(analysis.measure))
    start, statuses = threading.Barrier(4), []

    def upload(n: int) -> None:
        data = encode(astronaut(1.5 + n / 10), "JPEG")
        start.wait()
        response = api("POST", f"/api/v1/patients/{patient}/photos", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), f"{n}.jpg"), "expression": "rest"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 4
    assert peak[0] == slots
