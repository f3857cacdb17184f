"""Consent records, withdrawal on the next request, links, de-identification, portal."""
from __future__ import annotations

import hashlib
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image

from gallery.consent.records import fold
from gallery.db import get_db
from gallery.models import ConsentRecord, Invitation, ShareLink, utcnow
from gallery.regions import REGION_LABELS
from tests.conftest import PASSWORD
from tests.images import astronaut, encode
from tests.web.helpers import api_caller
from tests.web.test_compare import MEASURED_SCALE, _moved


@pytest.fixture
def api(app, staff):
    staff.create(role="admin")
    return api_caller(app, staff.token())


@pytest.fixture
def case(api):
    """A patient with two photos and a comparison."""
    patient_id = api("POST", "/api/v1/patients", json={"name": "Ann Lee"}).get_json()["id"]
    for day, data in (("2026-02-01", encode(astronaut(MEASURED_SCALE), "JPEG")), ("2026-02-15", _moved())):
        api("POST", f"/api/v1/patients/{patient_id}/photos", content_type="multipart/form-data",
            data={"file": (io.BytesIO(data), "p.jpg"), "expression": "rest", "taken_at": day})
    comparison = api("POST", "/api/v1/comparisons", json={"before": 1, "after": 2}).get_json()["id"]
    return {"patient": patient_id, "comparison": comparison}


def _grant(api, patient_id, scopes, identifiable=False):
    response = api("POST", f"/api/v1/patients/{patient_id}/consents",
                   json={"scopes": scopes, "signed_name": "Ann Lee", "text_version": "1",
                         "marketing_identifiable": identifiable})
    assert response.status_code == 201, response.data
    return response.get_json()


def test_fresh_install_publishes_text_version_1(api):
    texts = api("GET", "/api/v1/consent-texts").get_json()
    assert [t["version"] for t in texts] == ["1"]


def test_history_is_append_only_and_folds_in_order(api, case):
    _grant(api, case["patient"], ["clinical", "portal", "marketing"], identifiable=True)
    body = api("POST", f"/api/v1/patients/{case['patient']}/consents/withdraw", json={"scopes": ["marketing"]}).get_json()
    assert body["scopes"] == ["clinical", "portal"] and body["marketing_identifiable"] is False
    assert [h["action"] for h in body["history"]] == ["grant", "withdraw"]
    assert body["history"][0]["scopes"] == ["clinical", "portal", "marketing"]  # the grant is unchanged


def test_withdrawing_what_is_not_held_records_nothing(api, case):
    _grant(api, case["patient"], ["clinical", "portal"])
    path = f"/api/v1/patients/{case['patient']}/consents/withdraw"
    for _ in range(20):
        repeat = api("POST", path, json={"scopes": ["education"]})
        assert repeat.status_code == 200 and repeat.get_json()["scopes"] == ["clinical", "portal"]
    partly = api("POST", path, json={"scopes": ["portal", "education"]})
    assert partly.status_code == 201
    history = partly.get_json()["history"]
    assert [(h["action"], h["scopes"]) for h in history] == [("grant", ["clinical", "portal"]), ("withdraw", ["portal"])]


def test_fold_applies_records_in_time_order():
    t = utcnow()
    records = [ConsentRecord(id=2, action="withdraw", scopes=["portal"], created_at=t + timedelta(seconds=1)),
               ConsentRecord(id=1, action="grant", scopes=["clinical", "portal"], created_at=t)]
    assert fold(records).scopes == {"clinical"}


@pytest.mark.parametrize("body, message", [
    ({"scopes": ["gossip"], "signed_name": "A", "text_version": "1"}, "'scopes[0]' must be one of clinical, portal"),
    ({"scopes": [], "signed_name": "A", "text_version": "1"}, "'scopes' must not be empty"),
    ({"scopes": ["portal"], "signed_name": "A", "text_version": "9"}, "Unknown consent text version"),
    ({"scopes": ["portal"], "signed_name": " ", "text_version": "1"}, "'signed_name' must not be blank"),
    ({"scopes": ["portal"], "signed_name": "A", "text_version": "1", "signature": "data:image/gif;base64,R0lG"}, "PNG"),
])
def test_bad_consent_input_is_refused(api, case, body, message):
    response = api("POST", f"/api/v1/patients/{case['patient']}/consents", json=body)
    assert response.status_code == 422 and message in response.get_json()["error"]["message"]


def test_publish_needs_marketing_consent(api, case):
    response = api("POST", f"/api/v1/comparisons/{case['comparison']}/publish")
    assert response.status_code == 409
    _grant(api, case["patient"], ["marketing"])
    assert api("POST", f"/api/v1/comparisons/{case['comparison']}/publish").status_code == 200


def test_the_gallery_names_areas_in_words(app, api, case):
    """"Crow's feet (patient's left)", never the region's code name ("crows feet left")."""
    _grant(api, case["patient"], ["marketing"], identifiable=True)
    assert api("POST", f"/api/v1/comparisons/{case['comparison']}/publish").status_code == 200
    regions = api("GET", f"/api/v1/comparisons/{case['comparison']}").get_json()["regions"]
    shown = [name for name, r in regions.items() if r.get("change_pct") is not None]
    card = re.search(r'<a class="case-card".*?</a>', app.test_client().get("/gallery").get_data(as_text=True),
                     re.S).group(0)
    assert shown and all(REGION_LABELS[name].replace("'", "&#39;") in card for name in shown)
    assert "_" not in card.split("·")[-1] and "crows feet" not in card.lower()
    assert REGION_LABELS["crows_feet_left"] == "Crow's feet (patient's left)"


def test_share_link_needs_portal_consent(api, case):
    assert api("POST", f"/api/v1/comparisons/{case['comparison']}/share-links", json={"expires_in_days": 7}).status_code == 409
    _grant(api, case["patient"], ["portal"])
    assert api("POST", f"/api/v1/comparisons/{case['comparison']}/share-links", json={"expires_in_days": 0}).status_code == 422
    link = api("POST", f"/api/v1/comparisons/{case['comparison']}/share-links", json={"expires_in_days": 7})
    assert link.status_code == 201 and "/s/" in link.get_json()["url"]


def test_withdrawal_takes_effect_on_the_next_request(app, api, case):
    _grant(api, case["patient"], ["clinical", "portal", "marketing"])
    api("POST", f"/api/v1/comparisons/{case['comparison']}/publish")
    url = api("POST", f"/api/v1/comparisons/{case['comparison']}/share-links", json={"expires_in_days": 7}).get_json()["url"]
    public = app.test_client()
    link_path = url.split("localhost", 1)[1]
    gallery_image = f"/gallery/{case['comparison']}/image.png"
    assert public.get(gallery_image).status_code == 200
    assert public.get(link_path).status_code == 200
    api("POST", f"/api/v1/patients/{case['patient']}/consents/withdraw", json={"scopes": ["marketing"]})
    assert public.get(gallery_image).status_code == 404
    assert f"/gallery/{case['comparison']}" not in public.get("/gallery").get_data(as_text=True)
    assert public.get(link_path).status_code == 200  # portal use still consented
    api("POST", f"/api/v1/patients/{case['patient']}/consents/withdraw", json={"scopes": ["portal"]})
    assert public.get(link_path).status_code == 404
    assert public.get(link_path + "/image.png").status_code == 404


def test_consent_given_again_does_not_revive_old_links_or_publication(app, api, case):
    """Attack (on the patient's choice): withdraw, then consent again for something new, and find the
    old share link working and the case back in the public gallery without anyone deciding it."""
    _grant(api, case["patient"], ["clinical", "portal", "marketing"])
    api("POST", f"/api/v1/comparisons/{case['comparison']}/publish")
    url = api("POST", f"/api/v1/comparisons/{case['comparison']}/share-links", json={"expires_in_days": 7}).get_json()["url"]
    link_path = url.split("localhost", 1)[1]
    public = app.test_client()
    api("POST", f"/api/v1/patients/{case['patient']}/consents/withdraw", json={"scopes": ["portal", "marketing"]})
    _grant(api, case["patient"], ["clinical", "portal", "marketing"])
    assert public.get(link_path).status_code == 404
    assert public.get(f"/gallery/{case['comparison']}").status_code == 404
    assert api("GET", f"/api/v1/comparisons/{case['comparison']}").get_json()["published_at"] is None
    again = api("POST", f"/api/v1/comparisons/{case['comparison']}/share-links", json={"expires_in_days": 7})
    assert again.status_code == 201 and public.get(again.get_json()["url"].split("localhost", 1)[1]).status_code == 200
    assert api("POST", f"/api/v1/comparisons/{case['comparison']}/publish").status_code == 200


def test_expired_and_revoked_links_are_refused(app, api, case, client, staff):
    _grant(api, case["patient"], ["portal"])
    url = api("POST", f"/api/v1/comparisons/{case['comparison']}/share-links", json={"expires_in_days": 7}).get_json()["url"]
    token = url.rsplit("/", 1)[1]
    assert client.get(f"/s/{token}").status_code == 200
    with app.app_context():
        db = get_db()
        link = db.query(ShareLink).one()
        link.expires_at = utcnow() - timedelta(seconds=1)
        db.commit()
    assert client.get(f"/s/{token}").status_code == 404
    url = api("POST", f"/api/v1/comparisons/{case['comparison']}/share-links", json={"expires_in_days": 7}).get_json()["url"]
    token, link_id = url.rsplit("/", 1)[1], 2
    staff.login(client)
    assert client.post(f"/share-links/{link_id}/revoke").status_code == 302
    assert client.get(f"/s/{token}").status_code == 404
    assert client.get("/s/not-a-token").status_code == 404


def test_gallery_filters_by_region(app, api, case):
    _grant(api, case["patient"], ["marketing"])
    api("POST", f"/api/v1/comparisons/{case['comparison']}/publish")
    client = app.test_client()
    assert f"/gallery/{case['comparison']}/image.png" in client.get("/gallery?region=glabella").get_data(as_text=True)
    assert client.get("/gallery?region=elbow").status_code == 404


def test_invitation_is_single_use_and_expires(app, client, staff, case, api):
    staff.login(client)
    page = client.post(f"/patients/{case['patient']}/invitation").get_data(as_text=True)
    token = re.search(r"/portal/accept/([\w-]+)", page).group(1)
    page = client.post(f"/patients/{case['patient']}/invitation").get_data(as_text=True)
    second = re.search(r"/portal/accept/([\w-]+)", page).group(1)  # sent too, before the first was used
    patient_client = app.test_client()
    form = {"email": "ann@example.test", "password": PASSWORD, "confirm": PASSWORD}
    assert patient_client.post(f"/portal/accept/{token}", data={**form, "confirm": "different"}).status_code == 422
    assert patient_client.post(f"/portal/accept/{token}", data=form).status_code == 302
    assert app.test_client().post(f"/portal/accept/{token}", data=form).status_code == 404
    home = patient_client.get("/portal").get_data(as_text=True)
    assert "not shown online" in home  # no portal consent yet
    _grant(api, case["patient"], ["portal"])
    assert "/portal/photos/1/image/thumb" in patient_client.get("/portal").get_data(as_text=True)
    # Attack: whoever holds another invitation link takes over the existing account (and its photos).
    takeover = app.test_client().post(f"/portal/accept/{second}", data={**form, "email": "mallory@example.test"})
    assert takeover.status_code == 409 and "already has a portal account" in takeover.get_data(as_text=True)
    assert client.post(f"/patients/{case['patient']}/invitation").status_code == 409
    assert "/portal/photos/1/image/thumb" in patient_client.get("/portal").get_data(as_text=True)  # still hers
    with app.app_context():
        db = get_db()
        invitation = db.query(Invitation).filter_by(token_sha256=hashlib.sha256(second.encode()).hexdigest()).one()
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.commit()
    assert app.test_client().get(f"/portal/accept/{second}").status_code == 404


def test_emr_gets_an_invitation_link_through_the_api(app, api, case):
    response = api("POST", f"/api/v1/patients/{case['patient']}/invitations")
    assert response.status_code == 201
    body = response.get_json()
    token = re.search(r"/portal/accept/([\w-]+)$", body["url"]).group(1)
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert timedelta(days=6, hours=23) < expires - datetime.now(timezone.utc) <= timedelta(days=7)
    form = {"email": "ann@example.test", "password": PASSWORD, "confirm": PASSWORD}
    assert app.test_client().post(f"/portal/accept/{token}", data=form).status_code == 302
    again = api("POST", f"/api/v1/patients/{case['patient']}/invitations")
    assert again.status_code == 409 and "already has portal access" in again.get_json()["error"]["message"]
    assert api("POST", "/api/v1/patients/999/invitations").status_code == 404


def test_patient_withdraws_in_the_portal(app, client, staff, case, api):
    _grant(api, case["patient"], ["clinical", "portal", "marketing"])
    staff.login(client)
    token = re.search(r"/portal/accept/([\w-]+)",
                      client.post(f"/patients/{case['patient']}/invitation").get_data(as_text=True)).group(1)
    patient = app.test_client()
    patient.post(f"/portal/accept/{token}", data={"email": "a@b.test", "password": PASSWORD, "confirm": PASSWORD})
    assert patient.get("/portal/photos/1/image/display").status_code == 200
    withdrawn = patient.post("/portal/consents/withdraw", data={"scopes": ["portal"], "confirmed": "yes"},
                             follow_redirects=True)
    assert "Withdrawn: portal" in withdrawn.get_data(as_text=True) and "sign in again" in withdrawn.get_data(as_text=True)
    # The portal's sessions ended with the consent; signed in again, the photos stay closed.
    assert patient.get("/portal/photos/1/image/display").status_code == 302
    assert patient.post("/portal/login", data={"email": "a@b.test", "password": PASSWORD}).status_code == 302
    assert patient.get("/portal/photos/1/image/display").status_code == 404
    history = api("GET", f"/api/v1/patients/{case['patient']}/consents").get_json()["history"]
    assert history[-1]["action"] == "withdraw" and history[-1]["recorded_by"] == "patient"
    again = patient.post("/portal/consents/withdraw", data={"scopes": ["portal"], "confirmed": "yes"},
                         follow_redirects=True)
    assert "Nothing recorded for portal: it was not given." in again.get_data(as_text=True)
    assert len(api("GET", f"/api/v1/patients/{case['patient']}/consents").get_json()["history"]) == len(history)


def test_portal_login_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, GALLERY_LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    statuses = [client.post("/portal/login", data={"email": "x@y.test", "password": "guess"}).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_staff_records_consent_with_signature_and_prints_receipt(app, client, staff, case):
    staff.login(client)
    png = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(png, "PNG")
    import base64
    signature = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    response = client.post(f"/patients/{case['patient']}/consents/new", data={
        "scopes": ["clinical", "marketing"], "text_version": "1", "signed_name": "Ann Lee", "signature": signature})
    assert response.status_code == 302
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "clinical, marketing" in receipt and "de-identified only" in receipt and "data:image/png;base64," in receipt
    timeline = client.get(f"/patients/{case['patient']}").get_data(as_text=True)
    assert 'data-scope="marketing"' in timeline


def test_published_consent_texts_never_change(app, client, staff):
    staff.create(role="admin")
    staff.login(client)
    form = {"version": "1", "title": "New", "body": "Other words"}
    assert client.post("/admin/consent-texts", data=form).status_code == 409
    assert client.post("/admin/consent-texts", data={**form, "version": "2"}).status_code == 302
    assert "Version 2" in client.get("/admin/consent-texts").get_data(as_text=True)


def test_audit_log_records_views_and_exports(app, client, staff, case, api):
    _grant(api, case["patient"], ["marketing"])
    api("POST", f"/api/v1/comparisons/{case['comparison']}/publish")
    for _ in range(3):
        app.test_client().get(f"/gallery/{case['comparison']}")
    staff.login(client)
    # Anonymous views are counted per case and day (a crowd writes no audit rows), shown to staff.
    assert "Nothing matches" in client.get("/audit?actor=public").get_data(as_text=True)
    assert "viewed 3 times" in client.get(f"/comparisons/{case['comparison']}").get_data(as_text=True)
    csv = client.get("/audit.csv?action=publish").get_data(as_text=True)
    assert csv.splitlines()[0] == "at,who,what,record,link,actor,action,object_type,object_id"
    assert len(csv.splitlines()) == 2 and ",publish,comparison," in csv
    assert f",nurse@clinic-a.test,published,comparison {case['comparison']} of Ann Lee," in csv
    assert f"http://localhost/comparisons/{case['comparison']}," in csv


def test_audit_log_reads_in_words_with_links(app, client, staff, case, api):
    staff.create("ada@clinic-a.test", role="admin", name="Dr Ada Lee")
    _grant(api, case["patient"], ["portal"])
    token = re.search(r"/portal/accept/([\w-]+)", api("POST", f"/api/v1/patients/{case['patient']}/invitations")
                      .get_json()["url"]).group(1)
    patient = app.test_client()
    patient.post(f"/portal/accept/{token}", data={"email": "ann@example.test", "password": PASSWORD,
                                                  "confirm": PASSWORD})
    patient.get("/portal")
    link = api("POST", f"/api/v1/comparisons/{case['comparison']}/share-links", json={"expires_in_days": 7})
    app.test_client().get(link.get_json()["url"].split("localhost", 1)[1])
    staff.login(client, "ada@clinic-a.test")
    client.get(f"/patients/{case['patient']}")
    page = client.get("/audit").get_data(as_text=True)
    assert 'Dr Ada Lee &lt;ada@clinic-a.test&gt;</td><td>viewed</td>' in page
    assert f'<a href="/patients/{case["patient"]}">Ann Lee (patient {case["patient"]})</a>' in page
    assert "<td>patient (Ann Lee)</td><td>viewed</td>" in page
    assert "<td>public (share link 1)</td><td>viewed</td>" in page
    assert '<a href="/photos/1">photo 1 of Ann Lee</a>' in page  # the upload


def test_audit_log_is_for_admins_only(app, client, staff):
    staff.create("nurse2@clinic-a.test", role="injector")
    staff.login(client, "nurse2@clinic-a.test")
    assert client.get("/audit").status_code == 403


def test_public_image_is_rendered_once_at_publication(app, api, case, monkeypatch):
    """Attack: a crowd of anonymous clients on a public image, each once costing an alignment and a
    render (4-7 images/s for everyone, staff pages at 5 s meanwhile)."""
    _grant(api, case["patient"], ["clinical", "marketing"])
    api("POST", f"/api/v1/comparisons/{case['comparison']}/publish")
    public = app.test_client()
    first = public.get(f"/gallery/{case['comparison']}/image.png")
    assert first.status_code == 200 and first.headers["Cache-Control"].startswith("no-store")

    def no_render(*args, **kwargs):
        raise AssertionError("rendered on a request")

    monkeypatch.setattr("gallery.public.service.render", no_render)
    monkeypatch.setattr("gallery.public.service.render_deidentified", no_render)
    assert [public.get(f"/gallery/{case['comparison']}/image.png").data for _ in range(3)] == [first.data] * 3
    monkeypatch.undo()
    # The patient now agrees to be recognisable: the stored de-identified image is re-made once.
    _grant(api, case["patient"], ["clinical", "marketing"], identifiable=True)
    identifiable = public.get(f"/gallery/{case['comparison']}/image.png")
    assert identifiable.status_code == 200 and identifiable.data != first.data


def test_a_text_needing_reconsent_lapses_older_consents_at_once(app, client, staff, case, api):
    _grant(api, case["patient"], ["clinical", "portal", "marketing"])
    api("POST", f"/api/v1/comparisons/{case['comparison']}/publish")
    link = api("POST", f"/api/v1/comparisons/{case['comparison']}/share-links", json={"expires_in_days": 7})
    link_path = link.get_json()["url"].split("localhost", 1)[1]
    public = app.test_client()
    assert public.get(f"/gallery/{case['comparison']}").status_code == 200
    staff.login(client)
    form = {"version": "2", "title": "Marketing, reworded", "body": "New words.", "reconsent_scopes": ["marketing"]}
    assert client.post("/admin/consent-texts", data=form).status_code == 302
    assert public.get(f"/gallery/{case['comparison']}").status_code == 404  # the next request
    assert public.get(link_path).status_code == 200  # portal consent was not asked for again
    body = api("GET", f"/api/v1/patients/{case['patient']}/consents").get_json()
    assert body["scopes"] == ["clinical", "portal"]
    assert body["lapsed"] == [{"scope": "marketing", "reason": "consent text version 2 asks for it again"}]
    assert [t["reconsent_scopes"] for t in api("GET", "/api/v1/consent-texts").get_json()] == [["marketing"], []]
    timeline = client.get(f"/patients/{case['patient']}").get_data(as_text=True)
    assert "Needs consent again: marketing (consent text version 2 asks for it again)." in timeline
    url = api("POST", f"/api/v1/patients/{case['patient']}/invitations").get_json()["url"]
    patient = app.test_client()
    patient.post(url.split("localhost", 1)[1], data={"email": "ann@example.test", "password": PASSWORD,
                                                     "confirm": PASSWORD})
    portal = patient.get("/portal").get_data(as_text=True)
    assert "(your consent lapsed: consent text version 2 asks for it again; you can give it again below)" in portal
    # Consent under an older version, recorded after the new one is out, lapses too.
    api("POST", f"/api/v1/patients/{case['patient']}/consents",
        json={"scopes": ["marketing"], "signed_name": "Ann Lee", "text_version": "1"})
    assert public.get(f"/gallery/{case['comparison']}").status_code == 404
    _grant_v2 = api("POST", f"/api/v1/patients/{case['patient']}/consents",
                    json={"scopes": ["marketing"], "signed_name": "Ann Lee", "text_version": "2"})
    assert _grant_v2.get_json()["lapsed"] == [] and "marketing" in _grant_v2.get_json()["scopes"]
    assert public.get(f"/gallery/{case['comparison']}").status_code == 200


def test_marketing_consent_expires_when_the_clinic_sets_a_term(make_app, staff):
    app = make_app(GALLERY_MARKETING_CONSENT_DAYS=30)
    staff.app = app
    staff.create(role="admin")
    headers = {"Authorization": f"Bearer {staff.token()}"}
    client = app.test_client()
    patient = client.post("/api/v1/patients", json={"name": "Bo"}, headers=headers).get_json()["id"]
    client.post(f"/api/v1/patients/{patient}/consents", headers=headers,
                json={"scopes": ["clinical", "marketing"], "signed_name": "Bo", "text_version": "1"})
    assert client.get(f"/api/v1/patients/{patient}/consents", headers=headers).get_json()["lapsed"] == []
    with app.app_context():
        record = get_db().query(ConsentRecord).one()
        record.created_at = utcnow() - timedelta(days=31)
        get_db().commit()
    body = client.get(f"/api/v1/patients/{patient}/consents", headers=headers).get_json()
    assert body["scopes"] == ["clinical"] and body["lapsed"][0]["scope"] == "marketing"
    assert body["lapsed"][0]["reason"].startswith("expired: given on")


def test_withdrawal_sweeps_links_and_cases_and_lists_files_taken_out(app, client, staff, case, api):
    staff.create("ada@clinic-a.test", role="admin", name="Dr Ada Lee")
    _grant(api, case["patient"], ["clinical", "portal", "marketing"])
    comparison = case["comparison"]
    api("POST", f"/api/v1/comparisons/{comparison}/publish")
    first = api("POST", f"/api/v1/comparisons/{comparison}/share-links", json={"expires_in_days": 7}).get_json()
    api("POST", f"/api/v1/comparisons/{comparison}/share-links", json={"expires_in_days": 7})
    staff.login(client, "ada@clinic-a.test")
    client.post(f"/share-links/{first['id']}/revoke")
    assert client.get(f"/comparisons/{comparison}/image?download=1").status_code == 200
    assert client.get("/photos/1/original").status_code == 200
    assert client.get(f"/comparisons/{comparison}/image").status_code == 200  # viewing is not taking a copy

    response = client.post(f"/patients/{case['patient']}/consents/withdraw",
                           data={"scopes": ["portal", "marketing"]})
    assert response.status_code == 302 and "/receipt" in response.headers["Location"]
    record = api("GET", f"/api/v1/patients/{case['patient']}/consents").get_json()["history"][-1]
    swept = record["sweep"]
    assert [link["state"] for link in swept["share_links"]] == ["already revoked", "revoked now"]
    assert [(c["comparison_id"], c["state"]) for c in swept["published"]] == [(comparison, "unpublished now")]
    assert [(e["what"], e["object_id"], e["by"]) for e in swept["exports"]] == [
        ("comparison image (PNG)", comparison, "Dr Ada Lee <ada@clinic-a.test>"),
        ("original photo", 1, "Dr Ada Lee <ada@clinic-a.test>")]
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Outside the app: ask for these copies back" in receipt
    assert "comparison image (PNG) (comparison 1), taken by Dr Ada Lee &lt;ada@clinic-a.test&gt; on" in receipt
    assert f"Public gallery case, comparison {comparison}" in receipt and "unpublished now" in receipt
    assert app.test_client().get(f"/gallery/{comparison}").status_code == 404
    # Withdrawing a scope that leaves nothing to sweep keeps no sweep.
    clinical = api("POST", f"/api/v1/patients/{case['patient']}/consents/withdraw", json={"scopes": ["clinical"]})
    assert clinical.get_json()["history"][-1]["sweep"] is None


def test_racing_accepts_of_one_invitation_make_one_account(app, client, staff, case):
    """Attack: six accepts of one invitation at the same moment gave five 500s (IntegrityError)."""
    import threading

    from gallery.models import PatientAccount

    staff.login(client)
    page = client.post(f"/patients/{case['patient']}/invitation").get_data(as_text=True)
    token = re.search(r"/portal/accept/([\w-]+)", page).group(1)
    start, answers = threading.Barrier(6), []

    def accept(n: int) -> None:
        browser = app.test_client()
        start.wait()
        response = browser.post(f"/portal/accept/{token}",
                                data={"email": f"ann{n}@example.test", "password": PASSWORD, "confirm": PASSWORD})
        answers.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=accept, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _ in answers)
    assert statuses.count(302) == 1 and all(status in (404, 409) for status in statuses if status != 302), statuses
    assert all("invitation" in body for status, body in answers if status != 302)
    with app.app_context():
        assert get_db().query(PatientAccount).filter_by(patient_id=case["patient"]).count() == 1
