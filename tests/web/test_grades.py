"""Wrinkle figures on the photo page, recorded grades and responders."""
from __future__ import annotations

import copy
import re
import uuid

from gallery.db import get_db
from gallery.grading import GRADES, Response
from gallery.models import Photo, RegionGrade
from landmarks.wrinkles import MEASUREMENT_STANDARD
from tests.images import astronaut_jpeg
from tests.web.helpers import create_patient, upload


def test_responder_needs_one_grade_trial_end_point_two():
    assert not Response(2, 2).responder
    assert Response(2, 1).responder and not Response(2, 1).trial_responder
    assert Response(3, 1).trial_responder
    assert not Response(1, 2).responder


def test_photo_page_shows_index_and_line_map(app, logged_in):
    patient_id = create_patient(logged_in)
    upload(logged_in, patient_id, (astronaut_jpeg(4.0), "a.jpg"))
    page = logged_in.get("/photos/1").get_data(as_text=True)
    assert re.search(r'<tr data-region="forehead">\s*<th scope="row".*?</th>\s*<td class="index">\d+\.\d</td>', page, re.S)
    overlay = logged_in.get("/photos/1/image/lines")
    assert overlay.status_code == 200 and overlay.mimetype == "image/png"


def test_grades_are_recorded_and_responders_shown(app, logged_in):
    patient_id = create_patient(logged_in)
    upload(logged_in, patient_id, (astronaut_jpeg(3.0, quality=95), "before.jpg"), expression="frown")
    logged_in.post("/photos/1/grades", data={"grade_glabella": "3", "grade_forehead": ""})
    upload(logged_in, patient_id, (astronaut_jpeg(3.0, quality=90), "after.jpg"), expression="frown")
    response = logged_in.post("/photos/2/grades", data={"grade_glabella": "1"})
    assert response.status_code == 302
    page = logged_in.get("/photos/2").get_data(as_text=True)
    assert re.search(r'name="grade_glabella".*?<option value="1" selected>', page, re.S)
    timeline = logged_in.get(f"/patients/{patient_id}").get_data(as_text=True)
    assert "Response to treatment" in timeline
    row = re.search(r"<td>Frown lines \(glabella\)</td>.*?</tr>", timeline, re.S).group(0)
    assert row.count('class="yes"') == 2 and "-2" in row


def test_invalid_grade_is_refused(app, logged_in):
    patient_id = create_patient(logged_in)
    upload(logged_in, patient_id, (astronaut_jpeg(), "a.jpg"))
    response = logged_in.post("/photos/1/grades", data={"grade_glabella": "7"})
    assert response.status_code == 422


def _graded_copies(app, photo_id: int, rows: list[tuple[str, float, str | None, int]]) -> None:
    """Copies of a real analysed photo with the given (expression, glabella index, standard, grade)."""
    with app.app_context():
        db = get_db()
        source = db.get(Photo, photo_id)
        for expression, index, standard, grade in rows:
            analysis = copy.deepcopy(source.analysis)
            analysis["regions"]["glabella"]["wrinkle_index"] = index
            analysis["measurement_standard"] = standard
            photo = Photo(clinic_id=source.clinic_id, patient_id=source.patient_id, visit_id=source.visit_id,
                          sha256=uuid.uuid4().hex * 2, content_type="image/jpeg", original_size=1, width=source.width,
                          height=source.height, taken_at=source.taken_at, expression=expression)
            photo.record_analysis(analysis, source.analysis_version)  # its summary too, as the app stores it
            db.add(photo)
            db.flush()
            db.add(RegionGrade(clinic_id=source.clinic_id, photo_id=photo.id, region="glabella", grade=grade))
        db.commit()


def test_suggestions_wait_for_the_clinics_own_calibration(app, client, staff):
    staff.create("admin@clinic-a.test", role="admin")
    staff.create("nurse@clinic-a.test")
    nurse = staff.login(app.test_client())
    admin = staff.login(client, "admin@clinic-a.test")
    patient_id = create_patient(nurse)
    upload(nurse, patient_id, (astronaut_jpeg(4.0), "frown.jpg"), expression="frown")
    upload(nurse, patient_id, (astronaut_jpeg(4.0, quality=85), "rest.jpg"), expression="rest")

    def suggestion(photo_id: int, region: str) -> str:
        page = nurse.get(f"/photos/{photo_id}").get_data(as_text=True)
        row = re.search(rf'<tr data-region="{region}">.*?</tr>', page, re.S).group(0)
        return re.sub(r"\s+", " ", re.search(r'<td class="suggested[^"]*"[^>]*>(.*?)</td>', row, re.S).group(1)).strip()

    assert suggestion(1, "glabella") == "not yet calibrated"
    assert suggestion(1, "forehead") == "on a raise photo"
    # 19 graded frowns: one short. Rest photos and off-standard indexes do not count.
    bounds = (4.0, 9.0, 16.0)
    graded = [("frown", float(v), MEASUREMENT_STANDARD, sum(v >= b for b in bounds)) for v in range(1, 20)]
    _graded_copies(app, 1, graded + [("rest", 30.0, MEASUREMENT_STANDARD, 0), ("frown", 30.0, None, 0)])
    assert suggestion(1, "glabella") == "not yet calibrated"
    page = admin.get("/admin/grade-calibration").get_data(as_text=True)
    assert "Not calibrated yet: 19 graded photos, 1 more needed" in page
    _graded_copies(app, 1, [("frown", 20.5, MEASUREMENT_STANDARD, 3)])

    page = admin.get("/admin/grade-calibration").get_data(as_text=True)
    section = re.search(r"Frown lines \(glabella\).*?</section>", page, re.S).group(0)
    assert "<dd>20</dd>" in section and "1 from 3.5, 2 from 8.5, 3 from 15.5" in section
    assert re.search(r'class="kappa">0\.9\d|class="kappa">1\.00', section)
    diagonal = re.findall(r'<td class="agree">(\d+)</td>', section)
    assert sum(map(int, diagonal)) >= 16  # held-out photos at a boundary may fall either side
    with app.app_context():
        own = get_db().get(Photo, 1).analysis["regions"]["glabella"]["wrinkle_index"]
    expected = sum(own >= b for b in (3.5, 8.5, 15.5))
    assert suggestion(1, "glabella") == f"{expected} {GRADES[expected]}"
    assert suggestion(2, "glabella") == "on a frown photo"  # the rest photo is not graded for frown lines
    assert nurse.get("/admin/grade-calibration").status_code == 403


def test_calibration_is_fitted_once_until_a_grade_or_an_analysis_changes(app, client, staff, monkeypatch):
    """Issue 34: the fit read every graded photo of the clinic on every photo page; now it is kept
    per clinic until the clinic's grading stamp moves (a grade recorded, an analysis changed)."""
    from gallery.photos import grades

    fits = []
    monkeypatch.setattr(grades, "calibrate", lambda indexes, marks: fits.append(len(indexes)))
    staff.create("admin@clinic-a.test", role="admin")
    admin = staff.login(client, "admin@clinic-a.test")
    patient_id = create_patient(admin)
    upload(admin, patient_id, (astronaut_jpeg(4.0), "frown.jpg"), expression="frown")
    regions = len(grades.ASSESSED_EXPRESSION)

    for _ in range(3):
        assert admin.get("/photos/1").status_code == 200
        assert admin.get("/admin/grade-calibration").status_code == 200
    assert len(fits) == regions  # once for all six pages

    assert admin.post("/photos/1/grades", data={"grade_glabella": "2"}).status_code == 302
    admin.get("/photos/1")
    admin.get("/photos/1")
    assert len(fits) == 2 * regions and fits[-regions:].count(1) == 1  # the new grade is in the new fit

    with app.app_context():
        photo = get_db().get(Photo, 1)
        photo.record_analysis({**photo.analysis, "warnings": ["re-analysed"]}, photo.analysis_version)
        get_db().commit()
    admin.get("/photos/1")
    assert len(fits) == 3 * regions
