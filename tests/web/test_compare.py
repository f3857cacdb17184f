"""Comparisons through the pages and the API."""
from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from landmarks.compose import FOOTER_PX
from tests.images import astronaut, encode
from tests.web.helpers import create_patient, ready_for_treatment, upload


# At 4.5x her irises are ~37 px: 0.32 mm per pixel, within the measurement standard
# (0.35) with room for the iris ruler's jitter (at 4x she measured 0.355).
MEASURED_SCALE = 4.5


def _moved(scale: float = MEASURED_SCALE, angle: float = 6.0) -> bytes:
    face = astronaut(scale)
    matrix = cv2.getRotationMatrix2D((face.shape[1] / 2, face.shape[0] / 2), angle, 0.95)
    return encode(cv2.warpAffine(face, matrix, face.shape[1::-1], borderMode=cv2.BORDER_REFLECT), "JPEG", quality=92)


def _two_photos(client) -> int:
    patient_id = create_patient(client)
    upload(client, patient_id, (encode(astronaut(3.0), "JPEG", quality=95), "before.jpg"))
    upload(client, patient_id, (_moved(), "after.jpg"))
    return patient_id


def test_create_and_view_a_comparison(app, logged_in):
    patient_id = _two_photos(logged_in)
    response = logged_in.post(f"/patients/{patient_id}/comparisons", data={"before": "1", "after": "2", "crop": "upper"})
    assert response.status_code == 302
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert 'type="range" class="ba-range"' in page and "Residual" in page
    png = logged_in.get("/comparisons/1/image?layout=side&download=1")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.headers["Content-Disposition"].startswith("attachment")
    image = np.asarray(Image.open(io.BytesIO(png.data)))
    assert image.shape == (640 + 56 + FOOTER_PX, 960 * 2 + 8, 3)  # the clinic's name in a footer band
    timeline = logged_in.get(f"/patients/{patient_id}").get_data(as_text=True)
    assert 'href="/comparisons/1"' in timeline


def test_api_comparison_figures(app, client, staff):
    staff.create()
    headers = {"Authorization": f"Bearer {staff.token()}"}
    staff.login(client)
    _two_photos(client)
    response = client.post("/api/v1/comparisons", json={"before": 1, "after": 2}, headers=headers)
    assert response.status_code == 201, response.data
    body = response.get_json()
    assert body["residual_mm"] < 1.0
    assert set(body["regions"]) == {"forehead", "glabella", "crows_feet_left", "crows_feet_right"}
    assert set(body["regions"]["forehead"]) == {"before", "after", "change_pct", "reason"}
    # The before photo (astronaut at 3x, 0.47 mm/px) is too coarse to measure: the row says so.
    assert body["regions"]["forehead"]["change_pct"] is None
    assert body["regions"]["forehead"]["reason"] == "not measured before: photo too coarse to measure lines"
    assert client.get("/api/v1/comparisons/1", headers=headers).get_json() == body
    image = client.get("/api/v1/comparisons/1/image?layout=after", headers=headers)
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert client.get("/api/v1/comparisons/1/image?layout=diagonal", headers=headers).status_code == 422


def test_photos_of_two_patients_are_not_compared(app, logged_in):
    first = create_patient(logged_in, "One")
    second = create_patient(logged_in, "Two")
    upload(logged_in, first, (encode(astronaut(3.0), "JPEG"), "a.jpg"))
    upload(logged_in, second, (_moved(), "b.jpg"))
    response = logged_in.post(f"/patients/{first}/comparisons", data={"before": "1", "after": "2"})
    assert response.status_code == 422
    assert "same patient" in response.get_data(as_text=True)


def test_different_expressions_warn(app, logged_in):
    patient_id = create_patient(logged_in)
    upload(logged_in, patient_id, (encode(astronaut(3.0), "JPEG"), "a.jpg"), expression="rest")
    upload(logged_in, patient_id, (_moved(), "b.jpg"), expression="frown")
    logged_in.post(f"/patients/{patient_id}/comparisons", data={"before": "1", "after": "2"})
    page = logged_in.get("/comparisons/1").get_data(as_text=True)
    assert 'data-code="expression_differs"' in page


def test_bad_comparison_requests(app, client, staff):
    staff.create()
    headers = {"Authorization": f"Bearer {staff.token()}"}
    assert client.post("/api/v1/comparisons", json={"before": "x", "after": 2}, headers=headers).status_code == 422
    assert client.post("/api/v1/comparisons", json={"before": 1, "after": 2}, headers=headers).status_code == 404
    assert client.get("/api/v1/comparisons/99", headers=headers).status_code == 404


def test_progress_chart_marks_treatments(app, client, staff):
    staff.create()
    headers = {"Authorization": f"Bearer {staff.token()}"}
    staff.login(client)
    patient_id = client.post("/api/v1/patients", json={"name": "Chart"}, headers=headers).get_json()["id"]
    for day, data in (("2026-01-10", encode(astronaut(MEASURED_SCALE), "JPEG")), ("2026-01-24", _moved()),
                      ("2026-05-01", _moved(angle=-4))):
        response = client.post(f"/api/v1/patients/{patient_id}/photos", headers=headers,
                               content_type="multipart/form-data",
                               data={"file": (io.BytesIO(data), "p.jpg"), "expression": "rest", "taken_at": day})
        assert response.status_code == 201
        photo = response.get_json()["id"]
        if day == "2026-01-10":  # toxin given that day: a plan saved, then recorded as given
            view = client.get(f"/api/v1/photos/{photo}/plan", headers=headers)
            client.put(f"/api/v1/photos/{photo}/plan", json={"sites": view.get_json()["sites"][:5]},
                       headers={**headers, "If-Match": view.headers["ETag"]})
            ready_for_treatment(lambda method, path, **kwargs: client.open(path, method=method, headers=headers,
                                                                          **kwargs), patient_id)
            given = client.post(f"/api/v1/visits/{view.get_json()['visit_id']}/treatment", json={}, headers=headers)
            assert given.status_code == 201, given.get_json()
    page = client.get(f"/patients/{patient_id}").get_data(as_text=True)
    assert "Progress" in page and 'class="treatment"' in page
    assert page.count('class="series series-forehead"') == 2  # one line, drawn in the wide and the narrow chart


def test_exposure_matched_comparison_is_labelled(app, logged_in):
    patient_id = _two_photos(logged_in)
    logged_in.post(f"/patients/{patient_id}/comparisons", data={"before": "1", "after": "2", "match_exposure": "1"})
    page = logged_in.get("/comparisons/1").get_data(as_text=True)
    assert page.count("exposure matched") >= 2  # on the slider and on the side-by-side caption
    assert "after photo matched to before" in page


def _older_method(app, photo_id: int) -> None:
    """Mark a stored analysis as measured by an earlier method."""
    from gallery.db import get_db
    from gallery.models import Photo

    with app.app_context():
        db = get_db()
        photo = db.get(Photo, photo_id)
        photo.record_analysis({**photo.analysis, "measurement_standard": "v3@0.7mm"}, 3)
        db.commit()


def test_indices_of_different_methods_are_never_compared_or_joined(app, client, staff):
    staff.create()
    headers = {"Authorization": f"Bearer {staff.token()}"}
    staff.login(client)
    patient_id = client.post("/api/v1/patients", json={"name": "Methods"}, headers=headers).get_json()["id"]
    for day, data in (("2026-01-10", encode(astronaut(MEASURED_SCALE), "JPEG")), ("2026-01-24", _moved())):
        client.post(f"/api/v1/patients/{patient_id}/photos", headers=headers, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(data), "p.jpg"), "expression": "rest", "taken_at": day})
    _older_method(app, 1)
    comparison = client.post("/api/v1/comparisons", json={"before": 1, "after": 2}, headers=headers).get_json()
    assert all(region["change_pct"] is None for region in comparison["regions"].values())
    assert comparison["regions"]["forehead"]["reason"] == "measured by different methods: analyse both photos again"
    assert "measurement_standard_differs" in [w["code"] for w in comparison["warnings"]]
    page = client.get(f"/patients/{patient_id}").get_data(as_text=True)
    assert 'class="method-change"' in page
    wide = page[page.index('chart-wide'):page.index('chart-narrow')]
    assert wide.count('class="series series-forehead"') == 2  # one per method, not one line across
