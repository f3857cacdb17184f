"""Issue 31: the medical history (intake) and the toxin treatment consent, read before treating.

A review of the history is a new entry each time, audited; the label's contraindications are
flagged and cautions shown; without a current review, with a contraindication, or without a
treatment consent in force, recording the toxin needs a reason, which the record carries. The
photo page's treatment card, the visit report and the patient's data export show both.
"""
from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from gallery.db import get_db
from gallery.models import AuditEvent, MedicalHistory
from tests.web.helpers import NO_FLAGS, SIGNATURE, api_caller
from tests.web.test_treatment import _planned

@pytest.fixture
def team(app, staff):
    staff.create("boss@clinic-a.test", role="admin")
    staff.create(name="Nurse Nia")
    return {"admin": api_caller(app, staff.token("boss@clinic-a.test")),
            "injector": api_caller(app, staff.token("nurse@clinic-a.test"))}


def _audit(app, action: str) -> list[tuple[str, int | None]]:
    with app.app_context():
        return [(e.object_type, e.object_id) for e in get_db().scalars(select(AuditEvent).where(
            AuditEvent.action == action))]


def _sign(api, patient: int, version: str = "1", **changes):
    return api("POST", f"/api/v1/patients/{patient}/treatment-consents",
               json={"text_version": version, "signed_name": "Tess Treated", "signature": SIGNATURE, **changes})


def _codes(body) -> list[str]:
    return [w["code"] for w in body["warnings"]]


def test_each_review_is_a_new_audited_entry_with_its_flags(app, team):
    api = team["injector"]
    patient = api("POST", "/api/v1/patients", json={"name": "Ann Lee"}).get_json()["id"]
    first = api("POST", f"/api/v1/patients/{patient}/intake", json=NO_FLAGS)
    assert first.status_code == 201 and first.get_json()["in_force"]["contraindications"] == []
    second = api("POST", f"/api/v1/patients/{patient}/intake", json={
        **NO_FLAGS, "pregnant_or_breastfeeding": True, "anticoagulants": True,
        "previous_treatments": "Botox, May 2025, elsewhere; no problems"}).get_json()
    assert [e["contraindications"] for e in second["history"]] == [["pregnant_or_breastfeeding"], []]
    assert second["in_force"]["cautions"] == ["anticoagulants"]
    assert second["in_force"]["recorded_by"]["name"] == "Nurse Nia"
    assert [kind for kind, _ in _audit(app, "record_intake")] == ["medical_history", "medical_history"]
    assert api("GET", f"/api/v1/patients/{patient}/intake").get_json()["history"] == second["history"]


def test_an_unanswered_question_is_refused_not_taken_as_no(app, staff, team):
    api = team["injector"]
    patient = api("POST", "/api/v1/patients", json={"name": "Ann Lee"}).get_json()["id"]
    missing = api("POST", f"/api/v1/patients/{patient}/intake", json={"anticoagulants": False})
    assert missing.status_code == 422 and "a missing answer is not a no" in json.dumps(missing.get_json())
    web = staff.login(app.test_client())
    page = web.post(f"/patients/{patient}/intake", data={"pregnant_or_breastfeeding": "no"})
    assert page.status_code == 422 and "Answer every question" in page.get_data(as_text=True)
    done = web.post(f"/patients/{patient}/intake", data={**{k: "no" for k in NO_FLAGS}, "toxin_allergy": "yes",
                                                          "notes": "Reacted to a filler in 2024"})
    assert done.status_code == 302
    page = web.get(f"/patients/{patient}/intake").get_data(as_text=True)
    assert "Contraindication: allergy to botulinum toxin" in page and "Reacted to a filler in 2024" in page
    assert 'value="yes" checked' in page  # the next review starts from the last answers


def test_without_a_treatment_consent_the_treatment_needs_a_reason(app, staff, team):
    api = team["injector"]
    patient, _, visit = _planned(api, lot="A1")  # ready for treatment: withdraw its consent
    assert api("POST", f"/api/v1/patients/{patient}/treatment-consents/withdraw").status_code == 201
    refused = api("POST", f"/api/v1/visits/{visit}/treatment", json={})
    message = refused.get_json()["error"]["message"]
    assert refused.status_code == 422 and "No toxin treatment consent in force" in message
    record = api("POST", f"/api/v1/visits/{visit}/treatment", json={"override_reason": "Signed on paper; scanned"})
    assert record.status_code == 201 and "no_treatment_consent" in _codes(record.get_json())
    assert record.get_json()["override_reason"] == "Signed on paper; scanned"
    staff.create("mo@clinic-a.test", role="medical_director")
    review = staff.login(app.test_client(), "mo@clinic-a.test").get(f"/visits/{visit}/review").get_data(as_text=True)
    assert "No toxin treatment consent in force" in review and "Signed on paper; scanned" in review


def test_a_review_older_than_90_days_is_no_current_history(app, team):
    api = team["injector"]
    _, _, visit = _planned(api, lot="A1")
    with app.app_context():
        for entry in get_db().scalars(select(MedicalHistory)):
            entry.recorded_at -= timedelta(days=91)
        get_db().commit()
    refused = api("POST", f"/api/v1/visits/{visit}/treatment", json={})
    assert refused.status_code == 422 and "No medical history reviewed in the last 90 days" in \
        refused.get_json()["error"]["message"]


def test_a_caution_is_recorded_without_a_reason(team):
    api = team["injector"]
    patient, _, visit = _planned(api, lot="A1")
    api("POST", f"/api/v1/patients/{patient}/intake", json={**NO_FLAGS, "aminoglycosides": True})
    record = api("POST", f"/api/v1/visits/{visit}/treatment", json={})
    assert record.status_code == 201 and _codes(record.get_json()) == ["caution"]
    assert record.get_json()["override_reason"] == ""


def test_a_contraindication_needs_a_reason(team):
    api = team["injector"]
    patient, _, second = _planned(api, lot="A1")
    api("POST", f"/api/v1/patients/{patient}/intake", json={**NO_FLAGS, "neuromuscular_disease": True})
    refused = api("POST", f"/api/v1/visits/{second}/treatment", json={})
    assert refused.status_code == 422 and "Contraindication: neuromuscular disease" in \
        refused.get_json()["error"]["message"]
    given = api("POST", f"/api/v1/visits/{second}/treatment", json={"override_reason": "Neurologist agreed"})
    assert given.status_code == 201 and "contraindication" in _codes(given.get_json())


def test_consent_needs_the_current_text_a_name_and_a_drawn_signature(app, team):
    api = team["injector"]
    patient = api("POST", "/api/v1/patients", json={"name": "Ann Lee"}).get_json()["id"]
    for changes, words in (({"signature": "data:image/png;base64,AAAA"}, "signature"),
                           ({"signed_name": "  "}, "signed_name"), ({}, None)):
        response = _sign(api, patient, "7", **changes) if words is None else _sign(api, patient, **changes)
        assert response.status_code == 422, response.get_json()
        assert (words or "current treatment consent text, version 1") in json.dumps(response.get_json())
    signed = _sign(api, patient)
    assert signed.status_code == 201 and signed.get_json()["in_force"]["signed_name"] == "Tess Treated"
    assert [kind for kind, _ in _audit(app, "grant_treatment_consent")] == ["treatment_consent"]


def test_consent_lapses_when_withdrawn_or_a_new_text_is_published(app, staff, team):
    api = team["injector"]
    patient = api("POST", "/api/v1/patients", json={"name": "Ann Lee"}).get_json()["id"]
    assert _sign(api, patient).status_code == 201
    withdrawn = api("POST", f"/api/v1/patients/{patient}/treatment-consents/withdraw")
    assert withdrawn.status_code == 201 and withdrawn.get_json()["in_force"] is None
    assert api("POST", f"/api/v1/patients/{patient}/treatment-consents/withdraw").status_code == 200  # nothing held
    assert _sign(api, patient).get_json()["in_force"] is not None
    admin = staff.login(app.test_client(), "boss@clinic-a.test")
    published = admin.post("/admin/treatment-consent-texts", data={"version": "2", "title": "Toxin consent",
                                                                   "body": "New wording of the risks."})
    assert published.status_code == 302
    assert api("GET", f"/api/v1/patients/{patient}/treatment-consents").get_json()["in_force"] is None
    assert [t["version"] for t in api("GET", "/api/v1/treatment-consent-texts").get_json()] == ["2", "1"]
    assert _sign(api, patient).status_code == 422 and _sign(api, patient, "2").status_code == 201
    # The photo consent's texts are untouched: still only its version 1.
    assert [t["version"] for t in api("GET", "/api/v1/consent-texts").get_json()] == ["1"]


def test_the_signing_page_records_and_the_receipt_shows_the_signature_audited(app, staff, team):
    api = team["injector"]
    patient = api("POST", "/api/v1/patients", json={"name": "Ann Lee"}).get_json()["id"]
    web = staff.login(app.test_client())
    page = web.get(f"/patients/{patient}/treatment-consent").get_data(as_text=True)
    assert "Consent to botulinum toxin treatment" in page and "No treatment consent in force" in page
    unsigned = web.post(f"/patients/{patient}/treatment-consent", data={"text_version": "1", "signed_name": "Ann"})
    assert unsigned.status_code == 422 and "drawn signature is required" in unsigned.get_data(as_text=True)
    signed = web.post(f"/patients/{patient}/treatment-consent",
                      data={"text_version": "1", "signed_name": "Ann Lee", "signature": SIGNATURE})
    assert signed.status_code == 302
    receipt = web.get(signed.headers["Location"])
    consent_id = int(signed.headers["Location"].rsplit("/", 1)[1])
    assert receipt.status_code == 200 and 'class="signature-image" src="data:image/png;base64,' in receipt.get_data(
        as_text=True)
    assert ("treatment_consent", consent_id) in _audit(app, "view")


def test_the_treatment_card_shows_history_flags_and_consent_before_the_button(app, staff, team):
    api = team["injector"]
    patient, photo, _ = _planned(api, lot="A1")
    web = staff.login(app.test_client())
    page = web.get(f"/photos/{photo}").get_data(as_text=True)
    assert "Medical history</strong> reviewed" in page and "No contraindication or caution" in page
    assert "Treatment consent</strong> signed" in page and 'id="treatment-reason"' not in page
    api("POST", f"/api/v1/patients/{patient}/intake", json={**NO_FLAGS, "infection_at_sites": True,
                                                             "anticoagulants": True})
    api("POST", f"/api/v1/patients/{patient}/treatment-consents/withdraw")
    page = web.get(f"/photos/{photo}").get_data(as_text=True)
    card = page[page.index('id="before-treatment"'):page.index('id="treatment-record"')]
    assert 'class="flag flag-contraindication" data-code="contraindication">Contraindication: infection' in card
    assert 'class="flag flag-caution" data-code="caution">Caution: anticoagulants' in card
    assert "No treatment consent</strong> in force" in card and 'id="treatment-reason"' in card


def test_report_and_export_carry_the_history_and_the_consent(app, staff, team):
    api = team["injector"]
    patient, _, visit = _planned(api, lot="A1")
    api("POST", f"/api/v1/patients/{patient}/intake", json={**NO_FLAGS, "anticoagulants": True,
                                                             "other_medication": "Apixaban 5 mg"})
    assert api("POST", f"/api/v1/visits/{visit}/treatment", json={}).status_code == 201
    report = staff.login(app.test_client()).get(f"/visits/{visit}/report.pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(report.data)).pages)
    assert "caution: anticoagulants or antiplatelets" in text and "Other medication: Apixaban 5 mg" in text
    assert "Treatment consent: text version 1, signed" in text and "typed name The Patient" in text
    archive = zipfile.ZipFile(io.BytesIO(team["admin"]("GET", f"/api/v1/patients/{patient}/export").data))
    records = json.loads(archive.read("records.json"))
    assert [h["cautions"] for h in records["medical_history"]] == [["anticoagulants or antiplatelets: more bruising"], []]
    assert records["treatment_consent"][0]["signed_name"] == "The Patient"
    readme = archive.read("README.txt").decode()
    assert "caution: anticoagulants" in readme and "signed as 'The Patient', text version 1" in readme
