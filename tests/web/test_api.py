"""The JSON API through HTTP, as an EMR integration would use it."""
from __future__ import annotations

import io

import pytest

from tests.images import astronaut_jpeg


@pytest.fixture
def api(app, staff):
    staff.create()
    token = staff.token()
    client = app.test_client()

    def call(method: str, path: str, **kwargs):
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return client.open(path, method=method, headers=headers, **kwargs)

    return call


def _upload(api, patient_id: int, data: bytes, **form):
    fields = {"file": (io.BytesIO(data), "photo.jpg"), "expression": "rest", **form}
    return api("POST", f"/api/v1/patients/{patient_id}/photos", data=fields, content_type="multipart/form-data")


def test_patient_lifecycle(api):
    response = api("POST", "/api/v1/patients", json={"name": "Ann Lee", "date_of_birth": "1980-02-29",
                                                     "external_id": "EMR-1"})
    assert response.status_code == 201
    patient = response.get_json()
    assert patient["name"] == "Ann Lee" and patient["photo_ids"] == [] and patient["visits"] == []
    fetched = api("GET", f"/api/v1/patients/{patient['id']}").get_json()
    assert fetched["date_of_birth"] == "1980-02-29" and fetched["external_id"] == "EMR-1"


def test_upload_then_duplicate_then_read_analysis(api):
    patient_id = api("POST", "/api/v1/patients", json={"name": "Ann"}).get_json()["id"]
    data = astronaut_jpeg(4.0)  # 0.3 mm per pixel: within the measurement standard
    first = _upload(api, patient_id, data, taken_at="2026-01-15T10:00:00")
    assert first.status_code == 201
    again = _upload(api, patient_id, data)
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    photo = api("GET", f"/api/v1/photos/{first.get_json()['id']}").get_json()
    assert photo["expression"] == "rest" and photo["taken_at"] == "2026-01-15T10:00:00"
    analysis = photo["analysis"]
    assert analysis["face_found"] is True
    assert len(analysis["landmarks"]) == 478
    assert set(analysis["pose"]) == {"yaw", "pitch", "roll"}
    assert 0.05 < analysis["mm_per_px"] < 1.0
    for name in ("forehead", "glabella", "crows_feet_left", "crows_feet_right"):
        region = analysis["regions"][name]
        assert len(region["polygon"]) >= 3
        assert region["wrinkle_index"] is None or region["wrinkle_index"] >= 0
    assert analysis["measurement_standard"] and analysis["source_mm_per_px"] <= 0.4
    for name in ("forehead", "glabella"):  # her visible skin (hair covers her temples)
        assert isinstance(analysis["regions"][name]["wrinkle_index"], float)
        assert 0 <= analysis["regions"][name]["line_depth"] < 1
    for x, y in analysis["landmarks"]:
        assert 0 <= x < photo["width"] and 0 <= y < photo["height"]
    patient = api("GET", f"/api/v1/patients/{patient_id}").get_json()
    assert patient["photo_ids"] == [photo["id"]]
    assert patient["visits"][0]["date"] == "2026-01-15"
    image = api("GET", f"/api/v1/photos/{photo['id']}/image?variant=thumb")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"


def test_upload_into_given_visit_of_other_patient_is_refused(api):
    first = api("POST", "/api/v1/patients", json={"name": "A"}).get_json()["id"]
    second = api("POST", "/api/v1/patients", json={"name": "B"}).get_json()["id"]
    _upload(api, first, astronaut_jpeg(2.0), taken_at="2026-01-15")
    visit_id = api("GET", f"/api/v1/patients/{first}").get_json()["visits"][0]["id"]
    response = _upload(api, second, astronaut_jpeg(2.5), visit_id=str(visit_id))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_input"


@pytest.mark.parametrize("body, message", [
    ({}, "'name' is required"),
    ({"name": "A", "date_of_birth": "29/02/1980"}, "YYYY-MM-DD"),
    ({"name": 42}, "must be a string"),
])
def test_bad_patient_json_gets_json_error(api, body, message):
    response = api("POST", "/api/v1/patients", json=body)
    assert response.status_code == 422
    assert message in response.get_json()["error"]["message"]


def test_duplicate_external_id_is_a_conflict(api):
    api("POST", "/api/v1/patients", json={"name": "A", "external_id": "X"})
    response = api("POST", "/api/v1/patients", json={"name": "B", "external_id": "X"})
    assert response.status_code == 409


@pytest.mark.parametrize("data, status, code", [
    (b"", 400, "empty_file"),
    (b"plain text" * 50, 415, "unsupported_image"),
])
def test_bad_upload_gets_json_error(api, data, status, code):
    patient_id = api("POST", "/api/v1/patients", json={"name": "A"}).get_json()["id"]
    response = _upload(api, patient_id, data)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_upload_needs_a_valid_expression_and_date(api):
    patient_id = api("POST", "/api/v1/patients", json={"name": "A"}).get_json()["id"]
    assert _upload(api, patient_id, astronaut_jpeg(), expression="happy").status_code == 422
    assert _upload(api, patient_id, astronaut_jpeg(), taken_at="yesterday").status_code == 422


def test_requests_without_a_valid_token_are_refused(client):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/patients", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_unknown_api_path_is_json_404(api):
    response = api("GET", "/api/v1/nothing")
    assert response.status_code == 404 and "error" in response.get_json()


@pytest.mark.parametrize("body", [
    b'{"name": "\\ud800"}',  # a lone high surrogate
    b'{"name": "Ann", "external_id": "\\udfff"}',  # a lone low one
    b'{"name": "Ann", "\\udc00": 1}',  # in a key
])
def test_a_lone_surrogate_in_json_is_refused_not_a_500(api, body):
    """Attack: "\\ud800" in a JSON string parsed, then failed where it was written (500)."""
    response = api("POST", "/api/v1/patients", data=body, content_type="application/json")
    assert response.status_code == 422 and "not valid Unicode" in response.get_json()["error"]["message"]
    assert api("GET", "/api/v1/patients").get_json()["patients"] == []
    paired = api("POST", "/api/v1/patients", data=b'{"name": "Ann \\ud83d\\ude00"}', content_type="application/json")
    assert paired.status_code == 201 and paired.get_json()["name"] == "Ann \U0001F600"  # a pair is one character
