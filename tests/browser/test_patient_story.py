"""Issue 32's patient, start to finish on a 390 px phone: invited by email from the injector's timeline
(the message read from a real SMTP server), she opens her portal, reads a truthful sentence about her
frown lines (softer at the two-week review, coming back since), gets her review reminder from the job
queue's periodic task, and withdraws then gives again her consent to be reminded."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import pytest

from landmarks import analyse
from landmarks.wrinkles import RECAPTURE_CHANGE
from tests.browser.conftest import open_portal, screenshot, sign_in
from tests.browser.test_every_page import VIEWPORTS
from tests.conftest import Staff
from tests.images import astronaut, encode
from tests.measurement_validation import draw_on, frown_lines
from tests.web.helpers import api_caller, ready_for_treatment

PATIENT, PASSWORD = "rosa@example.test", "rosa's own long password"
SCALE = 4.5  # the astronaut reaches the measurement standard
# Frown lines drawn into her real skin: deep before the first treatment, faint at its review,
# most of the way back before the second.
DEPTHS = {"baseline": 0.4, "review": 0.08, "returning": 0.32}


@pytest.fixture
def live_app(mailing_app):
    return mailing_app


def _frown_photos() -> dict[str, bytes]:
    face = astronaut(SCALE)
    analysis = analyse(face)
    return {name: encode(draw_on(face, analysis, frown_lines(analysis, depth)), "JPEG", quality=95)
            for name, depth in DEPTHS.items()}


def _treated(api, patient: int, photo: int, given_on: date) -> None:
    """The toxin recorded at ``photo``'s visit from a plan of its first five sites."""
    plan = api("GET", f"/api/v1/photos/{photo}/plan?start=template")  # a later visit starts with no plan
    saved = api("PUT", f"/api/v1/photos/{photo}/plan", json={"sites": plan.get_json()["sites"][:5]},
                headers={"If-Match": plan.headers["ETag"]})
    assert saved.status_code == 200, saved.get_json()
    given_at = datetime.combine(given_on, datetime.min.time()).replace(hour=11).isoformat() + "Z"
    recorded = api("POST", f"/api/v1/visits/{plan.get_json()['visit_id']}/treatment", json={"given_at": given_at})
    assert recorded.status_code == 201, recorded.get_json()


def _periodic_reminders(app) -> None:
    """The queue's scheduler at a quarter past finds the reminder task due, and its worker runs it."""
    huey = app.extensions["gallery_queue"].huey
    (task,) = [t for t in huey.read_periodic(datetime.now().replace(minute=15)) if t.name == "send_reminders"]
    huey.execute(task)


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_invited_by_email_she_reads_her_progress_gets_a_reminder_and_changes_her_mind(
        browser, live_app, live_server, outbox):
    staff = Staff(live_app)
    staff.create(name="Nia Nurse")
    api = api_caller(live_app, staff.token())
    today = date.today()
    first, review, second = today - timedelta(days=130), today - timedelta(days=116), today - timedelta(days=12)
    patient = api("POST", "/api/v1/patients", json={"name": "Rosa Grant", "email": PATIENT}).get_json()["id"]
    assert api("POST", f"/api/v1/patients/{patient}/consents", json={
        "scopes": ["clinical", "portal", "contact"], "signed_name": "Rosa Grant", "text_version": "1"}).status_code == 201
    ready_for_treatment(api, patient)
    photos = {}
    for name, data in _frown_photos().items():
        day = {"baseline": first, "review": review, "returning": second}[name]
        response = api("POST", f"/api/v1/patients/{patient}/photos", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), f"{name}.jpg"), "expression": "frown",
                             "taken_at": day.isoformat()})
        assert response.status_code == 201, response.get_json()
        photos[name] = response.get_json()["id"]
    _treated(api, patient, photos["baseline"], first)
    _treated(api, patient, photos["returning"], second)  # treated again 12 days ago: her review is due
    glabella = {name: api("GET", f"/api/v1/photos/{photo}").get_json()["analysis"]["regions"]["glabella"]["wrinkle_index"]
                for name, photo in photos.items()}
    # Softer and coming back by more than the glabella index's repeatability, or the portal says "about the same".
    band = RECAPTURE_CHANGE["glabella"] * glabella["baseline"]
    assert glabella["review"] < min(glabella["baseline"], glabella["returning"]) - band, glabella

    # The injector emails her the invitation from the timeline.
    desk = browser.new_context(viewport=VIEWPORTS["desk"]).new_page()
    sign_in(desk, live_server)
    desk.goto(f"{live_server}/patients/{patient}")
    assert desk.input_value("#invite-email") == PATIENT
    desk.click("#invite-form button[type=submit]")
    desk.wait_for_load_state()
    (invitation,) = outbox.to(PATIENT)
    assert "Clinic A" in invitation["From"] and "Clinic A" in invitation["Subject"]
    link = re.search(r"https?://\S+/portal/accept/\S+", invitation.get_content()).group(0)

    # On her phone: the link, her password, her portal.
    phone = browser.new_context(viewport=VIEWPORTS["phone"]).new_page()
    open_portal(phone, f"{live_server}{_path(link)}", PATIENT, PASSWORD)
    sentences = phone.locator("#progress .plain-progress li").all_inner_texts()
    frown = [s for s in sentences if s.startswith("Frown lines, when frowning: ")]
    assert len(frown) == 1, sentences
    softer = round((glabella["baseline"] - glabella["review"]) / glabella["baseline"] * 100)
    assert f"{softer} % softer than before your treatment on {first.day} {first:%B %Y} (day 14)" in frown[0]
    assert f"on {second.day} {second:%B %Y} (day 118) the lines were coming back" in frown[0]
    phone.locator("#progress").scroll_into_view_if_needed()
    screenshot(phone, "story-01-portal-progress-phone")

    # The review reminder, sent by the queue's periodic task: from the clinic, nothing about her care.
    _periodic_reminders(live_app)
    reminders = outbox.to(PATIENT)[1:]
    assert len(reminders) == 1 and reminders[0]["Subject"] == "A reminder from Clinic A"
    body = reminders[0].get_content()
    assert "https://photos.clinic-a.test/portal/login" in body
    assert not re.search(r"treat|frown|botox|toxin|lines", body, re.IGNORECASE), body
    _periodic_reminders(live_app)  # the next quarter hour: sent once
    assert len(outbox.to(PATIENT)) == 2

    # She stops the reminders after reading what that means, then changes her mind.
    phone.goto(f"{live_server}/portal#consents")
    phone.check("input[name=scopes][value=contact]")
    phone.click("#withdraw-button")
    phone.wait_for_url(f"{live_server}/portal/consents/withdraw?scopes=contact")
    assert "Nothing has changed yet" in phone.inner_text("#confirm-withdrawal")
    screenshot(phone, "story-02-withdraw-reminders-confirm-phone")
    phone.click("#confirm-withdraw")
    phone.wait_for_url(f"{live_server}/portal*")
    assert phone.inner_text("#consents li[data-scope=contact]").startswith("No")
    phone.goto(f"{live_server}/portal/consents/give?scopes=contact")
    assert phone.is_checked("#give-contact")
    phone.fill("#signed-name", "Rosa Grant")
    screenshot(phone, "story-03-give-reminders-again-phone")
    phone.click("#give-submit")
    phone.wait_for_url(f"{live_server}/portal#consents")
    assert phone.inner_text("#consents li[data-scope=contact]").startswith("Yes")
    screenshot(phone, "story-04-consents-phone")
