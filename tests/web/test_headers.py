"""Caching and transport headers: patient data is never kept by caches on shared workstations."""
from __future__ import annotations

from tests.images import astronaut_jpeg
from tests.web.helpers import create_patient, upload


def test_patient_data_is_never_stored_and_images_revalidate(app, client, staff):
    """Attack: reading a previous user's patient JSON, audit export or photos from a shared browser cache."""
    staff.create(role="admin")
    token = staff.token()
    staff.login(client)
    patient_id = create_patient(client)
    upload(client, patient_id, (astronaut_jpeg(), "a.jpg"))
    api = client.get(f"/api/v1/patients/{patient_id}", headers={"Authorization": f"Bearer {token}"})
    assert api.headers["Cache-Control"] == "private, no-store"
    assert client.get("/audit.csv").headers["Cache-Control"] == "private, no-store"
    assert client.get("/photos/1/original").headers["Cache-Control"] == "private, no-store"
    image = client.get("/photos/1/image/thumb")
    assert image.headers["Cache-Control"] == "private, no-cache" and image.headers["ETag"]
    again = client.get("/photos/1/image/thumb", headers={"If-None-Match": image.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert "Strict-Transport-Security" not in api.headers


def test_hsts_when_cookies_are_https_only(make_app, client):
    """Attack: stripping HTTPS on a network the clinic does not control."""
    app = make_app(GALLERY_COOKIE_SECURE=True)
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_big_bodies_are_refused_outside_the_upload_routes(app, client, staff):
    """Attack: hundreds of megabytes posted to the login form or a JSON endpoint, read into memory."""
    staff.create()
    token = staff.token()
    big = b"x" * (3 * 1024 * 1024)
    assert client.post("/login", data=big, content_type="application/x-www-form-urlencoded").status_code == 413
    response = client.post("/api/v1/patients", data=big, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "request_entity_too_large"
    staff.login(client)
    patient_id = create_patient(client)
    photo = astronaut_jpeg(8.0, quality=98)  # a photo over the small-body limit still uploads
    assert len(photo) > 2 * 1024 * 1024
    assert upload(client, patient_id, (photo, "big.jpg")).status_code == 302
