"""Issue 31: "toxin given" is an explicit record, apart from the plan.

Saving a plan (a review visit's carried-over one, say) treats nobody: only a recorded
treatment goes to sign-off and counts for the interval rule. A warning that puts the
patient at risk (here an expired lot) needs a reason, which the record, the sign-off
review and the visit report carry.
"""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.images import astronaut, encode
from tests.web.helpers import api_caller, ready_for_treatment
from tests.web.test_planning import _photo, _save
from tests.web.test_stock import _stock


@pytest.fixture
def clinic(app, staff):
    staff.create("boss@clinic-a.test", role="admin")
    staff.create(name="Nurse Nia")
    staff.create("mo@clinic-a.test", role="medical_director", name="Dr Mo Dir")
    return {"admin": api_caller(app, staff.token("boss@clinic-a.test")),
            "injector": api_caller(app, staff.token("nurse@clinic-a.test")),
            "director": api_caller(app, staff.token("mo@clinic-a.test"))}


def _planned(api, day: str = "2026-03-01", **plan) -> tuple[int, int, int]:
    """A patient with a frown photo and a saved plan of five sites: (patient, photo, visit)."""
    patient = api("POST", "/api/v1/patients", json={"name": "Tess Treated"}).get_json()["id"]
    photo = _photo(api, patient, day, encode(astronaut(3.0), "JPEG"))
    view = api("GET", f"/api/v1/photos/{photo}/plan").get_json()
    saved = _save(api, photo, {"sites": view["sites"][:5], **plan})
    assert saved.status_code == 200, saved.get_json()
    ready_for_treatment(api, patient)
    return patient, photo, view["visit_id"]


def _awaiting(clinic) -> list[int]:
    return [v["visit_id"] for v in clinic["director"]("GET", "/api/v1/visits/awaiting-sign-off").get_json()["visits"]]


def test_a_saved_plan_is_not_a_treatment_until_recorded(clinic):
    api = clinic["injector"]
    _, photo, visit = _planned(api, lot="A1")
    assert _awaiting(clinic) == []
    record = api("POST", f"/api/v1/visits/{visit}/treatment", json={"given_at": "2026-03-01T11:15:00+01:00"})
    assert record.status_code == 201, record.get_json()
    body = record.get_json()
    assert body["given_at"] == "2026-03-01T10:15:00+00:00" and body["total_units"] == 20 and body["lot"] == "A1"
    assert len(body["sites"]) == 5 and body["recorded_by"]["name"] == "Nurse Nia"
    assert _awaiting(clinic) == [visit]
    assert api("POST", f"/api/v1/visits/{visit}/treatment", json={}).status_code == 409  # once
    # The plan is now the record: it no longer changes, until the record is withdrawn.
    locked = _save(api, photo, {"sites": []})
    assert locked.status_code == 409 and "withdraw it first" in locked.get_json()["error"]["message"]
    withdrawn = api("DELETE", f"/api/v1/visits/{visit}/treatment")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["treated"] is False
    assert _awaiting(clinic) == [] and _save(api, photo, {"sites": []}).status_code == 200


def test_recording_needs_a_saved_plan_with_units_and_a_sensible_time(clinic):
    api = clinic["injector"]
    patient = api("POST", "/api/v1/patients", json={"name": "No Plan"}).get_json()["id"]
    photo = _photo(api, patient, "2026-03-01", encode(astronaut(2.8), "JPEG"))
    visit = api("GET", f"/api/v1/photos/{photo}").get_json()["visit_id"]
    refused = api("POST", f"/api/v1/visits/{visit}/treatment", json={})
    assert refused.status_code == 422 and "Save the plan first" in refused.get_json()["error"]["message"]
    _, _, visit = _planned(api)
    for when in ("2026-02-28T23:00:00+00:00", "2999-01-01T09:00:00+00:00"):
        early = api("POST", f"/api/v1/visits/{visit}/treatment", json={"given_at": when})
        assert early.status_code == 422 and "not in the future" in early.get_json()["error"]["message"]
    assert api("POST", f"/api/v1/visits/{visit}/treatment", json={"given_at": "yesterday"}).status_code == 422
    for edge in ("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"):  # past the calendar in UTC
        assert api("POST", f"/api/v1/visits/{visit}/treatment", json={"given_at": edge}).status_code == 422


def test_an_expired_lot_needs_a_reason_that_the_record_review_and_report_carry(app, staff, clinic):
    api = clinic["injector"]
    expired = _stock(clinic["admin"], "OLD1", expires_on="2026-02-01")
    _, photo, visit = _planned(api, lot_id=expired["id"])
    refused = api("POST", f"/api/v1/visits/{visit}/treatment", json={})
    message = refused.get_json()["error"]["message"]
    assert refused.status_code == 422 and "need a reason" in message and "Lot OLD1" in message
    assert _awaiting(clinic) == []
    reason = "Only vial in the clinic; the patient was told and agreed."
    record = api("POST", f"/api/v1/visits/{visit}/treatment", json={"override_reason": reason}).get_json()
    assert record["override_reason"] == reason and "lot_expired" in [w["code"] for w in record["warnings"]]

    director = staff.login(app.test_client(), "mo@clinic-a.test")
    listing = director.get("/sign-off").get_data(as_text=True)
    assert "overridden: Only vial in the clinic" in listing and "1 warning" in listing
    review = director.get(f"/visits/{visit}/review").get_data(as_text=True)
    assert reason in review and "Lot OLD1 of Botox 100 U expired" in review and "Nurse Nia" in review
    report = director.get(f"/visits/{visit}/report.pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(report.data)).pages)
    assert "Gone ahead despite the warnings because: Only vial in the clinic" in text
    assert "20 U of Botox 100 U, lot OLD1" in text


def test_the_photo_page_records_a_treatment_and_reads_only_once_signed(app, staff, clinic):
    api = clinic["injector"]
    _, photo, visit = _planned(api, lot="A1")
    web = staff.login(app.test_client())
    page = web.get(f"/photos/{photo}").get_data(as_text=True)
    assert 'id="treatment-record"' in page and "20 U" in page and 'data-read-only="0"' in page
    # A visit filed on its photos' day, weeks before the upload: the form offers that day, not today's.
    assert 'id="treatment-given-at" value="2026-03-01T' in page
    bad = web.post(f"/visits/{visit}/treatment", data={"given_at": "soon", "photo_id": str(photo)})
    assert bad.status_code == 422 and "as a date and time" in bad.get_data(as_text=True)
    done = web.post(f"/visits/{visit}/treatment", data={"given_at": "2026-03-01T10:30", "photo_id": str(photo)})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/photos/{photo}#treatment")
    page = web.get(f"/photos/{photo}").get_data(as_text=True)
    assert "Toxin given" in page and "01 Mar 2026 10:30" in page and 'data-read-only="1"' in page
    patient = clinic["injector"]("GET", f"/api/v1/photos/{photo}").get_json()["patient_id"]
    timeline = web.get(f"/patients/{patient}").get_data(as_text=True)
    assert "Next treatment suggested around 30 May 2026." in timeline  # the label's 90 days after 1 March
    assert clinic["director"]("POST", f"/api/v1/visits/{visit}/sign-off").status_code == 200
    page = web.get(f"/photos/{photo}").get_data(as_text=True)
    assert "signed-banner" in page and "read-only" in page
    assert 'id="plan-save"' not in page and "Save grades" not in page and "treatment-withdraw" not in page
