"""The analysis stored with each photo: shown in the API, recomputed on demand."""
from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import select

from gallery.db import get_db
from gallery.models import AuditEvent, Photo
from tests.images import astronaut_jpeg
from tests.web.helpers import create_patient, upload


def _analysis(app, photo_id: int) -> dict:
    with app.app_context():
        return get_db().get(Photo, photo_id).analysis


def test_frown_tag_on_a_resting_face_is_warned(app, logged_in):
    patient_id = create_patient(logged_in)
    upload(logged_in, patient_id, (astronaut_jpeg(3.0, quality=95), "rest.jpg"), expression="rest")
    upload(logged_in, patient_id, (astronaut_jpeg(3.0, quality=90), "frown.jpg"), expression="frown")
    codes = [w["code"] for w in _analysis(app, 2)["warnings"]]
    assert "expression_mismatch" in codes
    page = logged_in.get("/photos/2").get_data(as_text=True)
    assert "Tagged “frown”, but the face looks like “smile”" in page  # the astronaut smiles
    assert 'data-suggested="smile"' in page


def _warnings(app, photo_id: int) -> list[dict]:
    return [w for w in _analysis(app, photo_id)["warnings"] if w["code"] == "expression_mismatch"]


def test_the_suggested_expression_is_accepted_and_its_warning_goes(app, logged_in):
    patient_id = create_patient(logged_in)
    upload(logged_in, patient_id, (astronaut_jpeg(3.0), "a.jpg"), expression="rest")
    assert _warnings(app, 1)[0]["suggested"] == "smile"  # told from the face alone: no rest photo needed
    response = logged_in.post("/photos/1/tags", data={"expression": "smile", "view": "front"})
    assert response.status_code == 302
    with app.app_context():
        photo = get_db().get(Photo, 1)
        assert (photo.expression, photo.view) == ("smile", "front")
        assert photo.summary["warnings"] == photo.analysis["warnings"]
        assert get_db().scalar(select(AuditEvent).where(AuditEvent.action == "update",
                                                        AuditEvent.object_type == "photo")) is not None
    assert _warnings(app, 1) == []
    assert 'data-suggested' not in logged_in.get("/photos/1").get_data(as_text=True)


def test_a_bad_tag_is_refused_and_nothing_changes(app, logged_in):
    patient_id = create_patient(logged_in)
    upload(logged_in, patient_id, (astronaut_jpeg(3.0), "a.jpg"), expression="rest")
    response = logged_in.post("/photos/1/tags", data={"expression": "grin", "view": "front"})
    assert response.status_code == 422 and "Choose the expression" in response.get_data(as_text=True)
    assert logged_in.post("/photos/1/tags", data={"expression": "smile", "view": "side"}).status_code == 422
    with app.app_context():
        assert get_db().get(Photo, 1).expression == "rest"


def test_reanalyze_updates_old_versions(app, logged_in):
    patient_id = create_patient(logged_in)
    upload(logged_in, patient_id, (astronaut_jpeg(), "a.jpg"))
    with app.app_context():
        db = get_db()
        photo = db.scalar(select(Photo))
        photo.analysis_version = 0
        photo.analysis = {"face_found": False, "warnings": [], "regions": {}}
        db.commit()
    result = app.test_cli_runner().invoke(args=["reanalyze"])
    assert "Reanalysed 1 photo" in result.output
    analysis = _analysis(app, 1)
    assert analysis["face_found"] and len(analysis["landmarks"]) == 478
    result = app.test_cli_runner().invoke(args=["reanalyze"])
    assert "Reanalysed 0 photo" in result.output
    from gallery.models import AuditEvent
    with app.app_context():
        actors = get_db().scalars(select(AuditEvent.actor).where(AuditEvent.action == "analysis")).all()
        assert actors == ["system:analysis", "system:reanalyze"]  # at the upload, then by the command


def test_photo_page_shows_regions_pose_and_scale(app, logged_in):
    """The scale shown is the original's, the one the measurement standard judges,
    not the smaller display copy's."""
    patient_id = create_patient(logged_in)
    upload(logged_in, patient_id, (astronaut_jpeg(4.5), "a.jpg"))  # 2304 px: shown at 2048
    page = logged_in.get("/photos/1").get_data(as_text=True)
    for name in ("forehead", "glabella", "crows_feet_left", "crows_feet_right"):
        assert f'class="region region-{name}"' in page
    analysis = _analysis(app, 1)
    assert analysis["source_mm_per_px"] < analysis["mm_per_px"]
    assert f"{analysis['source_mm_per_px']:.3f} mm/px" in page and "Yaw" in page


def test_photo_without_a_face_says_so(app, logged_in):
    import numpy as np

    from tests.images import encode

    patient_id = create_patient(logged_in)
    wall = np.full((600, 800, 3), 190, np.uint8)
    assert upload(logged_in, patient_id, (encode(wall, "JPEG"), "wall.jpg")).status_code == 302
    analysis = _analysis(app, 1)
    assert analysis["face_found"] is False and analysis["landmarks"] is None
    assert "No face was found" in logged_in.get("/photos/1").get_data(as_text=True)


def test_command_line_annotate(tmp_path):
    photo = tmp_path / "face.jpg"
    photo.write_bytes(astronaut_jpeg(3.0))
    out, out_json = tmp_path / "out.png", tmp_path / "out.json"
    result = subprocess.run([sys.executable, "-m", "landmarks", "annotate", str(photo), "-o", str(out),
                             "--json", str(out_json)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 10_000
    analysis = json.loads(out_json.read_text())
    assert analysis["face_found"] and len(analysis["regions"]) == 4
    missing = subprocess.run([sys.executable, "-m", "landmarks", "annotate", str(tmp_path / "nope.jpg"), "-o", str(out)],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_a_region_without_an_index_says_why_in_its_row(app, logged_in, staff):
    """Issue 29: the reason stands in the region's row (page and API), not only among
    the warnings. A face cut by the photo's edge: its right crow's feet are outside
    the photo; the rest is too coarse (0.57 mm/px) to measure lines."""
    from tests.images import encode
    from tests.measurement_validation import cut_face
    from tests.web.helpers import api_caller

    patient_id = create_patient(logged_in)
    upload(logged_in, patient_id, (encode(cut_face(), "JPEG", quality=95), "cut.jpg"))
    regions = _analysis(app, 1)["regions"]
    assert regions["crows_feet_right"]["not_measured"] == "hidden by hair or outside the photo"
    assert regions["forehead"]["not_measured"] == "photo too coarse to measure lines"
    page = logged_in.get("/photos/1").get_data(as_text=True)
    row = page[page.index('<tr data-region="crows_feet_right">'):]
    assert "not measured: hidden by hair or outside the photo" in row[:row.index("</tr>")]
    row = page[page.index('<tr data-region="forehead">'):]
    assert "not measured: photo too coarse to measure lines" in row[:row.index("</tr>")]
    api = api_caller(app, staff.token())
    body = api("GET", "/api/v1/photos/1").get_json()
    assert body["analysis"]["regions"]["crows_feet_right"]["not_measured"] == "hidden by hair or outside the photo"
