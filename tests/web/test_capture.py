"""The capture page's server side: live frame checks, saving a capture, ghosts, the visit protocol."""
from __future__ import annotations

import io
import re

import cv2
import pytest

from gallery.db import get_db
from gallery.models import AuditEvent, Photo, utcnow
from tests.images import astronaut, camera_picture, encode


def _frame(picture, width: int = 480) -> bytes:
    small = cv2.resize(picture, (width, round(picture.shape[0] * width / picture.shape[1])),
                       interpolation=cv2.INTER_AREA)
    return encode(small, "JPEG", quality=80)


@pytest.fixture
def patient(app, staff, logged_in):
    return logged_in.post("/api/v1/patients", json={"name": "Cam Era"},
                          headers={"Authorization": f"Bearer {staff.token()}"}).get_json()["id"]


def _check(client, patient, data, **query):
    params = {"view": "front", "expression": "rest", "capture_width": 1280, **query}
    return client.post(f"/patients/{patient}/capture/check.json", query_string=params, data=data,
                       content_type="image/jpeg")


def test_frames_are_judged_with_advice(logged_in, patient):
    ready = _check(logged_in, patient, _frame(camera_picture()), expression="smile")  # the astronaut smiles
    assert ready.status_code == 200 and ready.get_json()["status"] == "ready"
    smiling = _check(logged_in, patient, _frame(camera_picture()), expression="rest").get_json()
    assert smiling["status"] == "adjust" and smiling["advice"] == "Relax your face: no smile."
    rolled = _check(logged_in, patient, _frame(camera_picture(roll_deg=20))).get_json()
    assert rolled["status"] == "adjust" and rolled["advice"].startswith("Straighten your head")
    blank = _check(logged_in, patient, _frame(camera_picture() * 0 + 90)).get_json()
    assert blank["status"] == "no-face"


def test_a_frown_is_judged_against_the_patients_rest_photo(logged_in, patient):
    unchecked = _check(logged_in, patient, _frame(camera_picture()), expression="frown").get_json()
    assert unchecked["status"] == "ready" and "not checked" in unchecked["notes"][0]  # no rest photo yet
    assert _take(logged_in, patient).status_code == 201  # the rest view, analysed at once
    relaxed = _check(logged_in, patient, _frame(camera_picture()), expression="frown").get_json()
    assert relaxed["status"] == "adjust" and relaxed["advice"] == "Frown hard: draw your eyebrows together."


@pytest.mark.parametrize("data, query, status", [
    (b"not an image", {}, 415),
    (None, {"view": "sideways"}, 422),
    (None, {"expression": "wink"}, 422),
    (None, {"capture_width": "wide"}, 422),
    (None, {"capture_width": 5}, 422),
])
def test_bad_frames_get_a_clear_json_error(logged_in, patient, data, query, status):
    response = _check(logged_in, patient, data or _frame(camera_picture()), **query)
    assert response.status_code == status and response.get_json()["error"]["message"]


def test_frames_of_another_clinics_patient_are_refused(app, staff, logged_in, patient):
    staff.create(email="other@clinic-b.test", clinic="Clinic B")
    other = app.test_client()
    staff.login(other, "other@clinic-b.test")
    assert _check(other, patient, _frame(camera_picture())).status_code == 404


def _take(client, patient, picture=None, **form):
    fields = {"view": "front", "expression": "rest", "override": "", **form}
    return client.post(f"/patients/{patient}/capture/photos.json", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(encode(picture if picture is not None else camera_picture(),
                                                        "JPEG", quality=92)), "capture.jpg"), **fields})


def test_a_capture_goes_through_the_ingest_into_todays_visit(app, staff, logged_in, patient):
    response = _take(logged_in, patient)
    assert response.status_code == 201
    photo = logged_in.get(f"/api/v1/photos/{response.get_json()['photo_id']}",
                          headers={"Authorization": f"Bearer {staff.token()}"}).get_json()
    assert photo["view"] == "front" and photo["expression"] == "rest" and photo["capture_override"] is None
    assert photo["analysis_status"] == "done" and photo["analysis"]["face_found"]
    assert photo["taken_at"][:10] == utcnow().date().isoformat()
    overridden = _take(logged_in, patient, camera_picture(roll_deg=20), expression="frown",
                       override="Straighten your head: it leans towards your right shoulder.")
    with app.app_context():
        stored = get_db().get(Photo, overridden.get_json()["photo_id"])
        assert stored.capture_override.startswith("Straighten") and stored.visit_id == photo["visit_id"]
        assert get_db().query(AuditEvent).filter_by(action="upload", object_type="photo").count() == 2
    assert _take(logged_in, patient, view="up").status_code == 422
    empty = logged_in.post(f"/patients/{patient}/capture/photos.json", data={"view": "front", "expression": "rest"})
    assert empty.status_code == 422 and "No photo" in empty.get_json()["error"]["message"]


def test_timeline_lists_the_views_a_visit_lacks_and_the_protocol_is_the_admins(app, staff, client, patient,
                                                                                logged_in):
    _take(logged_in, patient)
    page = logged_in.get(f"/patients/{patient}").get_data(as_text=True)
    missing = re.search(r'class="warning missing-views">Missing views: ([^<]+)<', page).group(1)
    assert missing == "Front, frown; Front, raised brows; Front, smile"  # the 45-degree views are optional
    assert logged_in.post("/admin/capture-protocol", data={"front-rest": "required"}).status_code == 403
    staff.create(email="admin@clinic-a.test", role="admin")
    admin = app.test_client()
    staff.login(admin, "admin@clinic-a.test")
    assert admin.post("/admin/capture-protocol", data={"front-rest": "required", "front-frown": "required",
                                                       "left45-rest": "optional"}).status_code == 302
    page = logged_in.get(f"/patients/{patient}").get_data(as_text=True)
    assert re.search(r"Missing views: ([^<]+)<", page).group(1) == "Front, frown"
    assert admin.post("/admin/capture-protocol", data={"front-rest": "often"}).status_code == 422
    assert admin.post("/admin/capture-protocol", data={}).status_code == 422
    capture = logged_in.get(f"/patients/{patient}/capture").get_data(as_text=True)
    assert capture.count('class="step') == 3 and 'data-step="front-rest"' in capture
    assert "hair held back from the forehead" in capture  # a stray hair reads as a line


def test_the_ghost_is_the_same_view_from_an_earlier_visit(staff, logged_in, patient):
    headers = {"Authorization": f"Bearer {staff.token()}"}
    earlier = logged_in.post(f"/api/v1/patients/{patient}/photos", headers=headers,
                             content_type="multipart/form-data",
                             data={"file": (io.BytesIO(encode(astronaut(4.0), "JPEG")), "f.jpg"),
                                   "expression": "frown", "taken_at": "2026-01-10"}).get_json()
    _take(logged_in, patient, expression="raise")  # today: no ghost of itself
    page = logged_in.get(f"/patients/{patient}/capture").get_data(as_text=True)
    frown = re.search(r'data-step="front-frown"[^>]*>', page, re.S).group(0)
    assert f"/photos/{earlier['id']}/image/display" in frown
    eye_x = float(re.search(r'data-ghost-eye-x="([\d.]+)"', frown).group(1))
    assert 0.3 < eye_x < 0.7
    raise_step = re.search(r'data-step="front-raise"[^>]*>', page, re.S).group(0)
    assert "data-ghost-src" not in raise_step
    assert re.search(r'class="step done" data-step="front-raise"', page)


def test_frame_checks_are_limited_per_staff_member(make_app, staff, monkeypatch):
    """Attack: one capture session sent 44 frames a second and slowed other users' API calls tenfold."""
    import time

    from tests.conftest import Staff

    now = time.time()
    monkeypatch.setattr("gallery.ratelimits.time.time", lambda: now)  # all within one second's window

    app = make_app(RATELIMIT_ENABLED=True)
    team = Staff(app)
    team.create()
    team.create("ann@clinic-a.test")
    nurse = team.login(app.test_client())
    patient = nurse.post("/api/v1/patients", json={"name": "Cam Era"},
                         headers={"Authorization": f"Bearer {team.token()}"}).get_json()["id"]
    frame = _frame(camera_picture() * 0 + 90)  # cheap to judge: no face
    statuses = [_check(nurse, patient, frame).status_code for _ in range(8)]
    assert statuses == [200] * 4 + [429] * 4
    second_tab = team.login(app.test_client())  # the same person on another device counts together
    assert _check(second_tab, patient, frame).status_code == 429
    colleague = team.login(app.test_client(), "ann@clinic-a.test")
    assert _check(colleague, patient, frame).status_code == 200
