"""A patient's consents in the portal: a withdrawal is confirmed on a page that says what will happen
(and offers the data export before the portal closes); a consent can be given again there."""
from __future__ import annotations

import io
import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from gallery.consent.records import WITHDRAWAL_WORDS
from gallery.db import get_db
from gallery.models import AuditEvent, ConsentRecord
from tests.conftest import PASSWORD, Staff
from tests.images import astronaut, encode
from tests.web.helpers import api_caller
from tests.web.test_compare import MEASURED_SCALE

PATIENT_EMAIL = "ann@example.test"


@pytest.fixture
def portal(app):
    """A patient with one photo, consent to clinical, portal and marketing, signed in to the portal;
    the staff API; and the photo's portal address."""
    staff = Staff(app)
    staff.create(role="admin")
    api = api_caller(app, staff.token())
    patient = api("POST", "/api/v1/patients", json={"name": "Ann Lee"}).get_json()["id"]
    photo = api("POST", f"/api/v1/patients/{patient}/photos", content_type="multipart/form-data",
                data={"file": (io.BytesIO(encode(astronaut(MEASURED_SCALE), "JPEG")), "p.jpg"),
                      "expression": "rest"}).get_json()["id"]
    assert api("POST", f"/api/v1/patients/{patient}/consents", json={
        "scopes": ["clinical", "portal", "marketing"], "signed_name": "Ann Lee",
        "text_version": "1"}).status_code == 201
    url = api("POST", f"/api/v1/patients/{patient}/invitations").get_json()["url"]
    client = app.test_client()
    accepted = client.post(re.sub(r"^https?://[^/]+", "", url),
                           data={"email": PATIENT_EMAIL, "password": PASSWORD, "confirm": PASSWORD})
    assert accepted.status_code == 302
    return {"app": app, "api": api, "client": client, "patient": patient,
            "photo": f"/portal/photos/{photo}/image/display"}


def _scopes(portal) -> list[str]:
    return portal["api"]("GET", f"/api/v1/patients/{portal['patient']}/consents").get_json()["scopes"]


def _records(app) -> list[tuple[str, list[str], bool, str | None]]:
    with app.app_context():
        return [(r.action, r.scopes, r.recorded_by_patient, r.text_version)
                for r in get_db().scalars(select(ConsentRecord).order_by(ConsentRecord.id))]


def _sign_in_again(client) -> None:
    assert client.post("/portal/login", data={"email": PATIENT_EMAIL, "password": PASSWORD}).status_code == 302


def test_the_choices_lead_to_a_confirmation_not_a_withdrawal(portal):
    page = portal["client"].get("/portal").get_data(as_text=True)
    form = re.search(r'<form method="get" action="([^"]+)" class="withdraw">', page)
    assert form and form.group(1) == "/portal/consents/withdraw"


def test_withdrawing_asks_first_and_says_what_will_happen(portal):
    response = portal["client"].get("/portal/consents/withdraw?scopes=marketing")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Withdraw your consent?" in page and "Nothing has changed yet." in page
    assert str(escape(WITHDRAWAL_WORDS["marketing"])) in page
    assert 'name="confirmed" value="yes"' in page and 'name="scopes" value="marketing"' in page
    assert "Before the portal closes" not in page  # the portal stays open
    assert "marketing" in _scopes(portal) and len(_records(portal["app"])) == 1


def test_a_post_without_the_confirmation_withdraws_nothing(portal):
    response = portal["client"].post("/portal/consents/withdraw", data={"scopes": ["marketing"]})
    assert response.status_code == 400
    assert "Nothing was withdrawn yet: read what will happen, then confirm." in response.get_data(as_text=True)
    assert "marketing" in _scopes(portal) and len(_records(portal["app"])) == 1


def test_a_confirmed_withdrawal_is_the_patients_and_applies_at_once(portal):
    response = portal["client"].post("/portal/consents/withdraw",
                                     data={"scopes": ["marketing"], "confirmed": "yes"}, follow_redirects=True)
    assert "Withdrawn: marketing. This applies from now on." in response.get_data(as_text=True)
    assert _scopes(portal) == ["clinical", "portal"]
    assert _records(portal["app"])[-1] == ("withdraw", ["marketing"], True, None)
    with portal["app"].app_context():
        assert get_db().scalar(select(AuditEvent.actor).where(AuditEvent.action == "withdraw_consent")) == "patient:1"
    assert portal["client"].get(portal["photo"]).status_code == 200  # the portal is untouched


def test_withdrawing_the_portal_says_it_closes_and_offers_the_export_first(portal):
    client = portal["client"]
    page = client.get("/portal/consents/withdraw?scopes=portal").get_data(as_text=True)
    assert str(escape(WITHDRAWAL_WORDS["portal"])) in page
    assert "Before the portal closes: a copy of your data" in page and 'id="export-button"' in page
    assert "Withdraw and close my portal" in page
    # The export asked for here comes back to this step, not to the home page.
    response = client.post("/portal/export", data={"scopes": ["portal"]})
    assert response.status_code == 302
    assert response.headers["Location"] == "/portal/consents/withdraw?scopes=portal#data"
    assert 'id="download-export"' in client.get("/portal/consents/withdraw?scopes=portal").get_data(as_text=True)

    response = client.post("/portal/consents/withdraw", data={"scopes": ["portal"], "confirmed": "yes"})
    assert response.status_code == 302
    # The portal closed: this session ended on the server, and signed in again the photos stay hidden.
    assert client.get("/portal").headers["Location"] == "/portal/login"
    assert client.get(portal["photo"]).status_code == 302
    _sign_in_again(client)
    home = client.get("/portal").get_data(as_text=True)
    assert 'id="closed"' in home and "/portal/consents/give?scopes=portal" in home
    assert client.get(portal["photo"]).status_code == 404


def test_giving_portal_consent_again_restores_access(portal):
    client = portal["client"]
    client.post("/portal/consents/withdraw", data={"scopes": ["portal"], "confirmed": "yes"})
    _sign_in_again(client)
    page = client.get("/portal/consents/give?scopes=portal").get_data(as_text=True)
    assert "Consent to clinical photography and its uses (version 1)" in page
    assert 'value="portal" id="give-portal" checked' in page
    assert 'value="marketing"' not in page  # given already: not offered
    unsigned = client.post("/portal/consents/give", data={"scopes": ["portal"], "text_version": "1"})
    assert unsigned.status_code == 422 and "Type your full name" in unsigned.get_data(as_text=True)
    assert client.get(portal["photo"]).status_code == 404

    response = client.post("/portal/consents/give",
                           data={"scopes": ["portal"], "text_version": "1", "signed_name": "Ann Lee"})
    assert response.status_code == 302 and response.headers["Location"] == "/portal#consents"
    assert client.get(portal["photo"]).status_code == 200
    assert "portal" in _scopes(portal)
    assert _records(portal["app"])[-1] == ("grant", ["portal"], True, "1")
    with portal["app"].app_context():
        actors = list(get_db().scalars(select(AuditEvent.actor).where(AuditEvent.action == "grant_consent")))
        assert actors == ["user:1", "patient:1"]  # the clinic's first record, then hers


def test_a_lapsed_consent_is_given_again_under_the_newest_text(portal):
    admin = Staff(portal["app"]).login(portal["app"].test_client(), "nurse@clinic-a.test")
    assert admin.post("/admin/consent-texts", data={"version": "2", "title": "Consent, 2026", "body": "New words.",
                                                    "reconsent_scopes": ["marketing"]}).status_code == 302
    assert "marketing" not in _scopes(portal)
    client = portal["client"]
    assert "you can give it again below" in client.get("/portal").get_data(as_text=True)
    stale = client.post("/portal/consents/give",
                        data={"scopes": ["marketing"], "text_version": "1", "signed_name": "Ann Lee"})
    assert stale.status_code == 409 and "new consent text" in stale.get_data(as_text=True)
    page = client.get("/portal/consents/give").get_data(as_text=True)
    assert "Consent, 2026 (version 2)" in page and 'id="give-identifiable"' in page
    assert client.post("/portal/consents/give", data={"scopes": ["marketing"], "text_version": "2",
                                                       "signed_name": "Ann Lee"}).status_code == 302
    assert "marketing" in _scopes(portal)
    assert _records(portal["app"])[-1] == ("grant", ["marketing"], True, "2")


@pytest.mark.parametrize("method, path, data, status, words", [
    ("GET", "/portal/consents/withdraw", None, 422, "Choose what to withdraw."),
    ("GET", "/portal/consents/withdraw?scopes=everything", None, 422, "Unknown consent scope(s): everything."),
    ("GET", "/portal/consents/withdraw?scopes=education", None, 409, "nothing to withdraw"),
    ("POST", "/portal/consents/withdraw", {"scopes": ["education"]}, 409, "nothing to withdraw"),
    ("POST", "/portal/consents/give", {"text_version": "1", "signed_name": "Ann Lee"}, 422, "Choose at least one"),
    ("POST", "/portal/consents/give", {"scopes": ["marketing"], "text_version": "1", "signed_name": "Ann"}, 422,
     "Choose at least one use you agree to, among those you have not given."),
])
def test_bad_input_gets_a_4xx_in_words_and_changes_nothing(portal, method, path, data, status, words):
    response = portal["client"].open(path, method=method, data=data)
    assert response.status_code == status and words in response.get_data(as_text=True)
    assert len(_records(portal["app"])) == 1


def test_signed_out_the_consent_pages_ask_to_sign_in(app):
    client = app.test_client()
    for method, path in (("GET", "/portal/consents/withdraw?scopes=portal"), ("POST", "/portal/consents/withdraw"),
                         ("GET", "/portal/consents/give"), ("POST", "/portal/consents/give")):
        response = client.open(path, method=method, data={"scopes": ["portal"], "confirmed": "yes"})
        assert response.status_code == 302 and response.headers["Location"] == "/portal/login", path
