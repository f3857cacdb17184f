"""Wrinkle figures on the photo page, recorded grades and responders."""
from __future__ import annotations

import re

from gallery.grading import Response, suggest_grade
from tests.images import astronaut_jpeg
from tests.web.helpers import create_patient, upload


def test_suggested_grade_follows_the_published_thresholds():
    assert [suggest_grade(v) for v in (None, 0.0, 2.9, 3.0, 7.9, 8.0, 15.0, 40.0)] == [None, 0, 0, 1, 1, 2, 3, 3]


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
