"""Medical-director sign-off: who may sign, what a signed visit refuses, amendments, the report."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.images import astronaut, encode
from tests.web.helpers import api_caller, ready_for_treatment
from tests.web.test_planning import _photo, _save


@pytest.fixture
def team(app, staff):
    """An injector and a medical director of one clinic, each with an API caller."""
    staff.create()
    staff.create("mo@clinic-a.test", role="medical_director", name="Dr Mo Dir")
    return {"injector": api_caller(app, staff.token("nurse@clinic-a.test")),
            "director": api_caller(app, staff.token("mo@clinic-a.test"))}


@pytest.fixture
def treated(team):
    """A patient whose visit of 1 March has a saved plan and its treatment recorded:
    (patient id, photo id, visit id)."""
    api = team["injector"]
    patient = api("POST", "/api/v1/patients", json={"name": "Sign Me"}).get_json()["id"]
    photo = _photo(api, patient, "2026-03-01", encode(astronaut(3.0), "JPEG"))
    plan = api("GET", f"/api/v1/photos/{photo}/plan").get_json()
    assert _save(api, photo, {"sites": plan["sites"][:5], "lot": "A1"}).status_code == 200
    ready_for_treatment(api, patient)
    given = api("POST", f"/api/v1/visits/{plan['visit_id']}/treatment", json={"given_at": "2026-03-01T10:30:00+00:00"})
    assert given.status_code == 201, given.get_json()
    return patient, photo, plan["visit_id"]


def test_only_a_medical_director_signs_and_only_once(team, treated):
    _, _, visit = treated
    awaiting = team["director"]("GET", "/api/v1/visits/awaiting-sign-off").get_json()
    assert [v["visit_id"] for v in awaiting["visits"]] == [visit] and awaiting["visits"][0]["treated"]
    refused = team["injector"]("POST", f"/api/v1/visits/{visit}/sign-off")
    assert refused.status_code == 403 and "medical director" in refused.get_json()["error"]["message"]
    signed = team["director"]("POST", f"/api/v1/visits/{visit}/sign-off")
    assert signed.status_code == 200
    body = signed.get_json()
    assert body["signed_off_by"]["name"] == "Dr Mo Dir" and body["signed_off_at"].endswith("+00:00")
    assert team["director"]("POST", f"/api/v1/visits/{visit}/sign-off").status_code == 409
    assert team["director"]("GET", "/api/v1/visits/awaiting-sign-off").get_json()["visits"] == []
    assert team["director"]("POST", "/api/v1/visits/999/sign-off").status_code == 404


def test_a_signed_visit_refuses_changes_and_takes_amendments(app, staff, client, team, treated):
    patient, photo, visit = treated
    assert team["injector"]("POST", f"/api/v1/visits/{visit}/amendments", json={"text": "x"}).status_code == 409
    team["director"]("POST", f"/api/v1/visits/{visit}/sign-off")
    changed = _save(team["injector"], photo, {"sites": [], "lot": "B2"})
    assert changed.status_code == 409
    assert "signed off by Dr Mo Dir <mo@clinic-a.test>" in changed.get_json()["error"]["message"]
    assert "Add an amendment" in changed.get_json()["error"]["message"]
    staff.login(client)
    assert client.post(f"/photos/{photo}/grades", data={"grade_glabella": "2"}).status_code == 409
    late = team["injector"]("POST", f"/api/v1/patients/{patient}/photos", content_type="multipart/form-data",
                            data={"file": (io.BytesIO(encode(astronaut(2.5), "JPEG")), "p.jpg"),
                                  "expression": "rest", "taken_at": "2026-03-01"})
    assert late.status_code == 409
    assert team["injector"]("GET", f"/api/v1/photos/{photo}/plan").get_json()["lot"] == "A1"  # unchanged

    amendment = team["injector"]("POST", f"/api/v1/visits/{visit}/amendments",
                                 json={"text": "Lot was A1-B, not A1."})
    assert amendment.status_code == 201 and amendment.get_json()["signed_off_at"] is None
    amendment_id = amendment.get_json()["id"]
    awaiting = team["director"]("GET", "/api/v1/visits/awaiting-sign-off").get_json()
    assert [a["id"] for a in awaiting["amendments"]] == [amendment_id]
    assert team["injector"]("POST", f"/api/v1/amendments/{amendment_id}/sign-off").status_code == 403
    signed = team["director"]("POST", f"/api/v1/amendments/{amendment_id}/sign-off").get_json()
    assert signed["signed_off_by"]["email"] == "mo@clinic-a.test"
    assert team["injector"]("POST", f"/api/v1/visits/{visit}/amendments", json={"text": " "}).status_code == 422

    report = client.get(f"/visits/{visit}/report.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(report.data)).pages)
    assert "Signed off by Dr Mo Dir <mo@clinic-a.test> on" in text
    assert "Amendment of" in text and "Lot was A1-B, not A1." in text and "signed off by Dr Mo Dir" in text
    timeline = client.get(f"/patients/{patient}").get_data(as_text=True)
    assert "Signed off by Dr Mo Dir &lt;mo@clinic-a.test&gt;" in timeline and "Lot was A1-B, not A1." in timeline


def test_sign_off_pages(app, staff, client, team, treated):
    _, _, visit = treated
    staff.login(client)
    assert client.get("/sign-off").status_code == 403
    assert client.post(f"/visits/{visit}/sign-off").status_code == 403
    director = app.test_client()
    staff.login(director, "mo@clinic-a.test")
    page = director.get("/sign-off").get_data(as_text=True)
    assert f'data-review-visit="{visit}"' in page and "Sign Me" in page
    assert "lot A1" in page and "by nurse@clinic-a.test" in page  # units, lot and who gave it
    assert client.get(f"/visits/{visit}/review").status_code == 403
    review = director.get(f"/visits/{visit}/review").get_data(as_text=True)
    assert f'data-sign-visit="{visit}"' in review and "lot A1" in review and "I have reviewed" in review
    unconfirmed = director.post(f"/visits/{visit}/sign-off")
    assert unconfirmed.status_code == 422 and "Tick the confirmation" in unconfirmed.get_data(as_text=True)
    assert director.post(f"/visits/{visit}/sign-off", data={"reviewed": "1"}).status_code == 302
    assert "Nothing awaits your sign-off." in director.get("/sign-off").get_data(as_text=True)
    assert "read-only" in director.get(f"/visits/{visit}/review").get_data(as_text=True)
    assert client.post(f"/visits/{visit}/amendments", data={"text": "Note added."}).status_code == 302
    page = director.get("/sign-off").get_data(as_text=True)
    assert "Note added." in page and "data-sign-amendment=" in page
