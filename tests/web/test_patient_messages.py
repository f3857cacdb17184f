"""Portal invitations and share links that reach the patient: by email through a real SMTP server
(aiosmtpd, tests/servers.py), and on screen as a QR code and a link to copy, whatever the email did."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from gallery.db import get_db
from gallery.models import AuditEvent, Invitation
from gallery.qr import qr_svg
from gallery.regions import REGION_LABELS
from tests.conftest import PASSWORD, Staff
from tests.images import astronaut, encode
from tests.servers import _free_port
from tests.web.helpers import api_caller
from tests.web.test_compare import MEASURED_SCALE, _moved

INVITATION = re.compile(r"https?://[^/\s]+(/portal/accept/[\w-]+)")
SHARE = re.compile(r"https?://[^/\s]+(/s/[\w-]+)")
# Words that would tell a reader of the mailbox about the treatment: the areas, the toxin, the doses.
HEALTH_WORDS = [*REGION_LABELS, *REGION_LABELS.values(), "forehead", "frown", "crow", "wrinkle", "line",
                "units", "botox", "toxin", "treatment", "injection", "photo", "before", "after"]


def _patient(app, email: str = "ann@example.test"):
    """Staff signed in, and a patient whose record holds ``email``."""
    staff = Staff(app)
    staff.create()
    client = staff.login(app.test_client())
    response = client.post("/patients/new", data={"name": "Ann Lee", "email": email})
    assert response.status_code == 302, response.data
    return client, int(response.headers["Location"].rsplit("/", 1)[1])


def _audited(app, action: str) -> list[tuple[str, int | None, str]]:
    with app.app_context():
        return [(e.object_type, e.object_id, e.actor)
                for e in get_db().scalars(select(AuditEvent).where(AuditEvent.action == action))]


def _without_health_words(text: str) -> None:
    words = [word for word in HEALTH_WORDS if re.search(rf"\b{re.escape(word)}", text, re.IGNORECASE)]
    assert words == [] and "Ann" not in text, (words, text)


def _shown_to_pass_on(page: str, url: str, input_id: str) -> None:
    """The page shows the link to copy (with its copy button) and the QR code of exactly that link."""
    assert f'id="{input_id}" value="{url}" readonly' in page
    assert f'data-copy="{input_id}"' in page and "/static/js/copy.js" in page
    assert "<svg" in page and str(qr_svg(url)) in page  # segno draws the same code for the same text


def test_the_invitation_form_offers_the_patients_email(app):
    client, patient = _patient(app)
    page = client.get(f"/patients/{patient}").get_data(as_text=True)
    assert 'name="email" id="invite-email" value="ann@example.test"' in page


def test_an_emailed_invitation_comes_from_the_clinic_with_the_link_and_nothing_else(mail_app):
    app, outbox = mail_app
    client, patient = _patient(app)
    response = client.post(f"/patients/{patient}/invitation", data={"email": " Ann@Example.test "})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sent by email to ann@example.test." in page
    (message,) = outbox.to("ann@example.test")
    assert message["From"].addresses[0].display_name == "Clinic A"
    assert message["From"].addresses[0].addr_spec == "staff@clinic-a.test"
    assert message["Subject"] == "Your invitation from Clinic A"
    assert not message.is_multipart()  # one plain text part: no photo attached
    body = message.get_content()
    (path,) = INVITATION.findall(body)
    _shown_to_pass_on(page, INVITATION.search(page).group(0), "invitation-link")
    assert INVITATION.search(page).group(1) == path
    _without_health_words(re.sub(INVITATION, "", body))
    assert _audited(app, "email_invitation") == [("patient", patient, "user:1")]

    newcomer = app.test_client()
    response = newcomer.post(path, data={"email": "ann@example.test", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/portal"


def test_without_smtp_the_invitation_is_shown_with_the_reason(app):
    client, patient = _patient(app)
    page = client.post(f"/patients/{patient}/invitation", data={"email": "ann@example.test"}).get_data(as_text=True)
    assert "The email to ann@example.test was not sent. Email is not set up on this server" in page
    _shown_to_pass_on(page, INVITATION.search(page).group(0), "invitation-link")
    assert _audited(app, "email_invitation") == []
    assert app.test_client().get(INVITATION.search(page).group(1)).status_code == 200


def test_an_smtp_server_that_is_down_leaves_the_invitation_on_screen(make_app):
    app = make_app(GALLERY_SMTP_HOST="127.0.0.1", GALLERY_SMTP_PORT=_free_port(), GALLERY_SMTP_STARTTLS=False,
                   GALLERY_MAIL_FROM="staff@clinic-a.test")
    client, patient = _patient(app)
    response = client.post(f"/patients/{patient}/invitation", data={"email": "ann@example.test"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The email server did not take the message (ConnectionRefusedError" in page
    _shown_to_pass_on(page, INVITATION.search(page).group(0), "invitation-link")
    assert _audited(app, "email_invitation") == []


def test_without_an_address_the_invitation_is_only_shown(mail_app):
    app, outbox = mail_app
    client, patient = _patient(app, email="")
    page = client.post(f"/patients/{patient}/invitation", data={"email": ""}).get_data(as_text=True)
    assert "Not sent by email (no address given)" in page
    _shown_to_pass_on(page, INVITATION.search(page).group(0), "invitation-link")
    assert outbox.messages() == []


def test_a_wrong_address_is_refused_before_a_link_is_made(mail_app):
    app, outbox = mail_app
    client, patient = _patient(app)
    for typed in ("ann at example.test", "ann@example.test, bob@example.test", "ann@example.test\nBcc: x@y.test"):
        response = client.post(f"/patients/{patient}/invitation", data={"email": typed})
        assert response.status_code == 422
        assert "is not an email address" in response.get_data(as_text=True)
    with app.app_context():
        assert get_db().scalar(select(func.count()).select_from(Invitation)) == 0
    assert outbox.messages() == []


@pytest.fixture
def shared_case(mail_app):
    """A patient with a comparison and portal consent, a portal account, and staff signed in."""
    app, outbox = mail_app
    client, patient = _patient(app, email="old-address@example.test")
    api = api_caller(app, Staff(app).token())
    for day, data in (("2026-02-01", encode(astronaut(MEASURED_SCALE), "JPEG")), ("2026-02-15", _moved())):
        api("POST", f"/api/v1/patients/{patient}/photos", content_type="multipart/form-data",
            data={"file": (io.BytesIO(data), "p.jpg"), "expression": "frown", "taken_at": day})
    comparison = api("POST", "/api/v1/comparisons", json={"before": 1, "after": 2}).get_json()["id"]
    assert api("POST", f"/api/v1/patients/{patient}/consents", json={
        "scopes": ["clinical", "portal"], "signed_name": "Ann Lee", "text_version": "1"}).status_code == 201
    path = INVITATION.search(client.post(f"/patients/{patient}/invitation").get_data(as_text=True)).group(1)
    app.test_client().post(path, data={"email": "ann@example.test", "password": PASSWORD, "confirm": PASSWORD})
    outbox.box.clear()
    return app, outbox, client, comparison


def test_a_share_link_goes_by_email_to_the_portal_address_from_the_clinic(shared_case):
    app, outbox, client, comparison = shared_case
    page = client.get(f"/comparisons/{comparison}").get_data(as_text=True)
    assert 'id="share-email" value="ann@example.test"' in page  # the portal sign-in, newer than the record's
    response = client.post(f"/comparisons/{comparison}/share-links",
                           data={"expires_in_days": "7", "email": "ann@example.test"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Sent by email to ann@example.test." in page
    (message,) = outbox.to("ann@example.test")
    assert message["From"].addresses[0].display_name == "Clinic A"
    assert message["Subject"] == "A private link from Clinic A"
    assert not message.is_multipart()
    body = message.get_content()
    (path,) = SHARE.findall(body)
    _shown_to_pass_on(page, SHARE.search(page).group(0), "share-link")
    _without_health_words(re.sub(SHARE, "", body))
    assert _audited(app, "email_share_link") == [("comparison", comparison, "user:1")]
    assert app.test_client().get(path).status_code == 200


def test_a_share_link_without_an_address_is_shown_to_scan(shared_case):
    app, outbox, client, comparison = shared_case
    page = client.post(f"/comparisons/{comparison}/share-links", data={"expires_in_days": "7"}).get_data(as_text=True)
    assert "Not sent by email (no address given)" in page
    _shown_to_pass_on(page, SHARE.search(page).group(0), "share-link")
    assert outbox.messages() == [] and _audited(app, "email_share_link") == []
