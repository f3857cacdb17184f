"""Uploading photos through the pages: stored, shown, and bad input refused cleanly."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import func, select

from gallery.db import get_db
from gallery.models import Photo, Visit, utcnow
from tests.images import astronaut, astronaut_jpeg, encode
from tests.unit.test_uploads import _png_bomb
from tests.web.helpers import api_caller, create_patient, stored_files, upload


def _photo_count(app) -> int:
    with app.app_context():
        return get_db().scalar(select(func.count()).select_from(Photo))


def test_upload_shows_thumbnail_on_timeline(app, logged_in):
    patient_id = create_patient(logged_in)
    response = upload(logged_in, patient_id, (astronaut_jpeg(), "front.jpg"))
    assert response.status_code == 302
    page = logged_in.get(f"/patients/{patient_id}").get_data(as_text=True)
    thumb = re.search(r'src="(/photos/\d+/image/thumb)"', page).group(1)
    image = logged_in.get(thumb)
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.headers["Cache-Control"].startswith("private")
    assert logged_in.get(thumb, headers={"If-None-Match": image.headers["ETag"]}).status_code == 304
    assert len(stored_files(app)) == 4  # original, display, thumb, line-map overlay


def test_several_files_at_once_make_one_visit(app, logged_in):
    patient_id = create_patient(logged_in)
    files = [(astronaut_jpeg(2.0), "a.jpg"), (encode(astronaut(2.0), "PNG"), "b.png"),
             (encode(astronaut(2.0), "WEBP", quality=90), "c.webp")]
    assert upload(logged_in, patient_id, *files).status_code == 302
    with app.app_context():
        assert get_db().scalar(select(func.count()).select_from(Visit)) == 1
    assert _photo_count(app) == 3


def test_original_is_kept_byte_identical_and_downloaded_as_attachment(app, logged_in):
    patient_id = create_patient(logged_in)
    data = astronaut_jpeg()
    upload(logged_in, patient_id, (data, "front.jpg"))
    response = logged_in.get("/photos/1/original")
    assert response.data == data
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_duplicate_upload_is_recognised(app, logged_in):
    patient_id = create_patient(logged_in)
    data = astronaut_jpeg()
    upload(logged_in, patient_id, (data, "a.jpg"))
    response = upload(logged_in, patient_id, (data, "again.jpg"))
    assert response.status_code == 302
    assert _photo_count(app) == 1


def test_same_photo_for_another_patient_is_refused(app, logged_in):
    data = astronaut_jpeg()
    upload(logged_in, create_patient(logged_in, "First"), (data, "a.jpg"))
    response = upload(logged_in, create_patient(logged_in, "Second"), (data, "a.jpg"))
    assert response.status_code == 409
    assert b"another patient" in response.data
    assert _photo_count(app) == 1


def _truncated():
    data = astronaut_jpeg()
    return data[: len(data) // 2]


def _polyglot():
    data = astronaut_jpeg(1.0)
    return data + b"<html><script>alert(document.cookie)</script></html>"


BAD_INPUTS = [
    ("zero bytes", lambda: b"", 400, "empty"),
    ("truncated jpeg", _truncated, 422, "damaged or incomplete"),
    ("text named .jpg", lambda: b"just some text, not a photo\n" * 20, 415, "not a JPEG"),
    ("polyglot", _polyglot, 415, "more than a photo"),
    ("30000x30000 bomb", _png_bomb, 413, "megapixels"),
    ("gif (unsupported type)", lambda: encode(astronaut(0.5), "GIF"), 415, "not a JPEG"),
]


@pytest.mark.parametrize("name, make, status, message", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_refused_and_nothing_stored(app, logged_in, name, make, status, message):
    patient_id = create_patient(logged_in)
    response = upload(logged_in, patient_id, (make(), "photo.jpg"))
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert _photo_count(app) == 0
    assert stored_files(app) == []


def test_file_over_the_byte_limit_is_refused(make_app, staff):
    app = make_app(GALLERY_MAX_UPLOAD_MB=0.05)
    client = app.test_client()
    from tests.conftest import Staff
    Staff(app).create()
    Staff(app).login(client)
    patient_id = create_patient(client)
    response = upload(client, patient_id, (astronaut_jpeg(), "big.jpg"))
    assert response.status_code == 413
    assert "limit" in response.get_data(as_text=True)
    assert stored_files(app) == []


def test_one_bad_file_does_not_block_the_good_ones(app, logged_in):
    patient_id = create_patient(logged_in)
    response = upload(logged_in, patient_id, (astronaut_jpeg(), "good.jpg"), (b"nope", "bad.jpg"))
    assert response.status_code == 415
    page = response.get_data(as_text=True)
    assert "good.jpg" in page and "Stored." in page and "bad.jpg" in page
    assert _photo_count(app) == 1


def test_failed_database_commit_leaves_no_files(app, logged_in, monkeypatch):
    patient_id = create_patient(logged_in)
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    def broken(self):
        raise OperationalError("COMMIT", {}, Exception("database went away"))

    monkeypatch.setattr(Session, "commit", broken)
    response = upload(logged_in, patient_id, (astronaut_jpeg(), "a.jpg"))
    monkeypatch.undo()
    assert response.status_code == 503
    assert "nothing was stored" in response.get_data(as_text=True)
    assert _photo_count(app) == 0
    assert stored_files(app) == []


def test_missing_expression_is_a_clear_error(app, logged_in):
    patient_id = create_patient(logged_in)
    response = upload(logged_in, patient_id, (astronaut_jpeg(), "a.jpg"), expression="grin")
    assert response.status_code in (400, 422)
    assert _photo_count(app) == 0


def test_a_full_disk_refuses_writes_with_503_and_keeps_reads_working(app, logged_in, staff, monkeypatch):
    """Accident: the disk fills up. Uploads and edits must say so (503) and leave nothing half-written;
    reading charts must keep working even though their audit rows cannot be written."""
    import errno

    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    from uploads.store import BlobStore

    patient_id = create_patient(logged_in)
    upload(logged_in, patient_id, (astronaut_jpeg(), "a.jpg"))
    files_before = stored_files(app)
    real_write = BlobStore._write
    calls = []

    def full_after_one(path, data):  # the original fits, the display image does not
        calls.append(path)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(BlobStore, "_write", staticmethod(full_after_one))
    response = upload(logged_in, patient_id, (astronaut_jpeg(2.5), "b.jpg"))
    assert response.status_code == 503 and "nothing was saved" in response.get_data(as_text=True)
    assert stored_files(app) == files_before and _photo_count(app) == 1
    monkeypatch.undo()

    def disk_full(self):
        raise OperationalError("COMMIT", {}, Exception("database or disk is full"))

    token = staff.token()
    monkeypatch.setattr(Session, "commit", disk_full)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/photos/1", headers=headers).status_code == 200  # the read works
    created = api.post("/api/v1/patients", json={"name": "New"}, headers=headers)
    assert created.status_code == 503 and created.get_json()["error"]["code"] == "unavailable"


def _photos(app) -> list[tuple[str, str, str]]:
    """(file name, expression, view) of every stored photo."""
    with app.app_context():
        return [(p.original_filename, p.expression, p.view) for p in get_db().scalars(select(Photo).order_by(Photo.id))]


def test_each_photo_keeps_its_own_expression_and_view(app, logged_in):
    patient_id = create_patient(logged_in)
    files = [(astronaut_jpeg(2.0), "a.jpg"), (astronaut_jpeg(2.1), "b.jpg"), (astronaut_jpeg(2.2), "c.jpg")]
    response = upload(logged_in, patient_id, *files, expression="rest", view="front",
                      **{"expression-0": "frown", "view-1": "left45", "expression-1": "smile"})
    assert response.status_code == 302
    # c.jpg has no fields of its own: the batch's choice.
    assert _photos(app) == [("a.jpg", "frown", "front"), ("b.jpg", "smile", "left45"), ("c.jpg", "rest", "front")]


def test_an_unknown_view_is_refused_with_its_reason(app, logged_in):
    patient_id = create_patient(logged_in)
    response = upload(logged_in, patient_id, (astronaut_jpeg(), "a.jpg"), **{"view-0": "profile"})
    assert response.status_code == 422
    assert "Choose the view" in response.get_data(as_text=True)
    assert _photo_count(app) == 0


def _dated_jpeg(when: datetime, scale: float = 2.0) -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
    return encode(astronaut(scale), "JPEG", exif=exif.tobytes())


def _visit_dates(app) -> list[date]:
    with app.app_context():
        return list(get_db().scalars(select(Visit.visit_date).order_by(Visit.visit_date)))


def test_a_photo_dated_years_ago_is_asked_about_and_nothing_is_stored(app, logged_in):
    patient_id = create_patient(logged_in)
    response = upload(logged_in, patient_id, (_dated_jpeg(datetime(2010, 5, 3, 9, 0)), "old.jpg"))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "03 May 2010" in page and 'id="date-question"' in page and 'name="date_choice"' in page
    assert _photo_count(app) == 0 and _visit_dates(app) == []


@pytest.mark.parametrize("choice", ["photo", "today"])
def test_the_answer_files_the_old_photo_on_the_chosen_date(app, logged_in, choice):
    patient_id = create_patient(logged_in)
    response = upload(logged_in, patient_id, (_dated_jpeg(datetime(2010, 5, 3, 9, 0)), "old.jpg"), date_choice=choice)
    assert response.status_code == 302
    assert _visit_dates(app) == [date(2010, 5, 3) if choice == "photo" else utcnow().date()]


def test_a_photo_dated_within_30_days_is_filed_on_its_date_without_asking(app, logged_in):
    patient_id = create_patient(logged_in)
    taken = utcnow() - timedelta(days=29)
    assert upload(logged_in, patient_id, (_dated_jpeg(taken), "recent.jpg")).status_code == 302
    assert _visit_dates(app) == [taken.date()]


def test_the_api_refuses_an_old_own_date_unless_confirmed(app, staff):
    staff.create()
    api = api_caller(app, staff.token())
    patient = api("POST", "/api/v1/patients", json={"name": "Old Camera"}).get_json()["id"]

    def send(data: bytes, **fields):
        return api("POST", f"/api/v1/patients/{patient}/photos", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(data), "p.jpg"), "expression": "rest", **fields})

    refused = send(_dated_jpeg(datetime(2010, 5, 3)))
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "photo_date_unconfirmed"
    assert "03 May 2010" in refused.get_json()["error"]["message"]
    assert stored_files(app) == []  # its original, written while it decoded, removed
    assert send(_dated_jpeg(datetime(2010, 5, 3)), date_choice="photo").get_json()["taken_at"].startswith("2010-05-03")
    explicit = send(_dated_jpeg(datetime(2010, 5, 3), 2.1), taken_at="2026-01-02")
    assert explicit.status_code == 201 and explicit.get_json()["taken_at"].startswith("2026-01-02")
    assert send(_dated_jpeg(datetime(2010, 5, 3), 2.2), date_choice="yesterday").status_code == 422


def test_the_thumbnail_is_framed_on_a_face_off_centre_in_a_wide_photo(app, logged_in):
    from landmarks.mesh import detect_faces
    from uploads.derive import read_derivative

    wide = np.full((1100, 2400, 3), 200, np.uint8)
    wide[38:1062, 60:1084] = astronaut(2.0)  # the face at the far left; a centre crop shows only the wall
    patient_id = create_patient(logged_in)
    assert upload(logged_in, patient_id, (encode(wide, "JPEG"), "wide.jpg")).status_code == 302
    thumb = read_derivative(logged_in.get("/photos/1/image/thumb").data)
    assert thumb.shape[1] / thumb.shape[0] == pytest.approx(3 / 4, abs=0.01)  # as the cards show it
    assert detect_faces(thumb).faces
    display = read_derivative(logged_in.get("/photos/1/image/display").data)
    centre = display[:, display.shape[1] // 2 - display.shape[0] * 3 // 8:][:, :display.shape[0] * 3 // 4]
    assert not detect_faces(centre).faces  # what the cards showed before
