"""Issue 31's day, start to finish in Chromium with nothing done on the command line: the first admin
sets the clinic up from the console's one-time link, stocks a lot and invites an injector and a medical
director by email (read from a real SMTP server); the injector takes a patient through intake, both
consents, photos, a plan and a recorded treatment at a desk, then the two-week review on a phone; the
medical director joins on a phone and signs the treated visit off from its review page."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pyotp
import pytest
from PIL import Image

from gallery.auth.setup import issue_setup_link
from tests.browser.conftest import screenshot
from tests.browser.test_every_page import VIEWPORTS
from tests.conftest import PASSWORD
from tests.images import astronaut, encode

ADMIN, INJECTOR, DIRECTOR = "ada@skin.test", "nia@skin.test", "mo@skin.test"


@pytest.fixture
def live_app(mailing_app):
    return mailing_app


def _dated_photo(day: date, scale: float) -> dict:
    """A real face as a phone would send it, its camera date in the EXIF (the date files the visit)."""
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = datetime.combine(day, datetime.min.time()).replace(hour=10).strftime(
        "%Y:%m:%d %H:%M:%S")
    return {"name": f"{day.isoformat()}-{scale}.jpg", "mimeType": "image/jpeg",
            "buffer": encode(astronaut(scale), "JPEG", exif=exif.tobytes())}


def _enrol_second_factor(page) -> None:
    """Set the second factor up as an authenticator app would, from the key the page shows."""
    page.fill("#code", pyotp.TOTP(page.text_content("#enrol-secret").strip()).now())
    page.click("button[type=submit]")
    page.locator("#recovery-codes").wait_for()
    page.click("text=Continue")
    page.wait_for_load_state()


def _link_in(message, path: str) -> str:
    return re.search(rf"https?://\S+{path}\S+", message.get_content()).group(0)


def _join(page, link: str, name: str) -> None:
    page.goto(link)
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _sign(page, pad: str = "#signature-pad") -> None:
    """A finger's scribble on a signature pad."""
    page.locator(pad).scroll_into_view_if_needed()
    box = page.locator(pad).bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 100)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 20, box["y"] + 100 - (step % 3) * 25)
    page.mouse.up()


def _upload(page, server: str, patient_url: str, photos: list[tuple[dict, str]]) -> None:
    page.goto(f"{patient_url}/upload")
    page.set_input_files("#photos", [photo for photo, _ in photos])
    for row, (_, expression) in enumerate(photos):
        page.select_option(f"select[name=expression-{row}]", expression)
    page.click("#upload-button")
    page.wait_for_url(patient_url, timeout=120_000)


def _photo_of(page, visit_day: date, expression: str) -> str:
    """The photo page of the visit on ``visit_day`` tagged ``expression``, from the timeline's cards."""
    day = visit_day.strftime("%d %B %Y")
    card = page.locator(f".visit:has(h2:has-text('{day}')) .photo-card:has(.tag-{expression})").first
    return card.get_attribute("href")


def test_a_clinic_is_set_up_staffed_and_runs_two_visits_in_the_browser(browser, live_app, live_server, outbox):
    desk = browser.new_context(viewport=VIEWPORTS["desk"])
    phone = browser.new_context(viewport=VIEWPORTS["phone"])
    today = date.today()
    treated_on, lot_expires = today - timedelta(days=14), today + timedelta(days=300)

    # The first admin, from the console's one-time link, at the front desk.
    admin = desk.new_page()
    admin.goto(f"{live_server}/setup/{issue_setup_link(live_app)}")
    admin.fill("#clinic", "Skin Clinic Hove")
    admin.fill("#name", "Dr Ada Lee")
    admin.fill("#email", ADMIN)
    admin.fill("#password", PASSWORD)
    admin.fill("#confirm", PASSWORD)
    screenshot(admin, "day-01-setup-desk")
    admin.click("button[type=submit]")
    admin.wait_for_url("**/account/second-factor")
    _enrol_second_factor(admin)

    admin.goto(f"{live_server}/admin/stock")
    admin.fill("input[name=name]", "Botox 100 U")
    admin.fill("input[name=units_per_vial]", "100")
    admin.click("text=Add product")
    admin.wait_for_load_state()
    admin.fill("input[name=lot_number]", "C7781A")
    admin.fill("input[name=expires_on]", lot_expires.isoformat())
    admin.click("text=Add lot")
    admin.locator("#lots", has_text="C7781A").wait_for()
    screenshot(admin, "day-02-stock-desk")

    admin.goto(f"{live_server}/admin/staff")
    for email, role in ((INJECTOR, "injector"), (DIRECTOR, "medical_director")):
        admin.fill("#email", email)
        admin.select_option("#role", role)
        admin.click("text=Send invitation")
        admin.wait_for_load_state()
    screenshot(admin, "day-03-staff-invited-desk")
    invitations = {address: outbox.to(address) for address in (INJECTOR, DIRECTOR)}
    assert all(len(sent) == 1 for sent in invitations.values()), invitations
    assert "Skin Clinic Hove" in invitations[INJECTOR][0]["Subject"]

    # The injector joins from the email and takes the patient through the first visit at a desk.
    injector = desk.new_page()
    _join(injector, _link_in(invitations[INJECTOR][0], "/join/"), "Nia Nurse")
    injector.goto(f"{live_server}/patients/new")
    injector.fill("#name", "Rosa Grant")
    injector.fill("#date_of_birth", "1979-03-14")
    injector.click("button[type=submit]")
    injector.wait_for_url(re.compile(r".*/patients/\d+$"))
    patient_url = injector.url

    injector.goto(f"{patient_url}/intake")
    for field in ("pregnant_or_breastfeeding", "neuromuscular_disease", "toxin_allergy", "anticoagulants",
                  "aminoglycosides", "infection_at_sites"):
        injector.check(f"input[name={field}][value=no]")
    injector.fill("#previous_treatments", "None")
    injector.click("#intake-save")
    injector.locator("#intake-history").wait_for()
    screenshot(injector, "day-04-intake-desk")

    injector.goto(f"{patient_url}/treatment-consent")
    injector.fill("#signed_name", "Rosa Grant")
    _sign(injector)
    injector.click("#treatment-consent-sign")
    injector.locator(".signature-image").wait_for()
    assert injector.inner_text("#receipt-in-force") == "Yes"

    injector.goto(f"{patient_url}/consents/new")
    injector.check("#scope-clinical")
    injector.check("#scope-portal")
    injector.fill("#signed_name", "Rosa Grant")
    _sign(injector)
    screenshot(injector, "day-05-photo-consent-desk")
    injector.click("#consent-form button[type=submit]")
    injector.locator("#receipt-scopes").wait_for()

    _upload(injector, live_server, patient_url, [(_dated_photo(treated_on, 3.0), "rest"),
                                                 (_dated_photo(treated_on, 3.05), "frown")])
    screenshot(injector, "day-06-timeline-first-visit-desk")
    injector.goto(f"{live_server}{_photo_of(injector, treated_on, 'frown')}")
    injector.locator("#plan-sites .site").nth(4).wait_for()
    injector.select_option("#plan-lot-id", label=f"Botox 100 U, lot C7781A, expires {lot_expires.strftime('%d %b %Y')}")
    injector.click("#plan-save")
    injector.locator("#plan-status", has_text="Saved").wait_for()
    injector.reload()
    card = injector.locator("#before-treatment")
    assert "Treatment consent signed" in card.inner_text()
    screenshot(injector, "day-07-plan-and-treatment-card-desk")
    injector.click("#treatment-record")
    assert injector.inner_text(".who") == "Nia Nurse · Skin Clinic Hove"  # named, not an address
    given = injector.locator(".treatment-given", has_text="Toxin given")
    given.wait_for()
    assert "lot C7781A" in given.inner_text() and "Nia Nurse" in given.inner_text()
    assert treated_on.strftime("%d %b %Y") in given.inner_text()  # given at the visit, not on the upload's day
    screenshot(injector, "day-08-treatment-recorded-desk")

    # Two weeks on, the review photos from the injector's phone: nothing to plan, nothing to sign.
    on_phone = phone.new_page()
    on_phone.goto(f"{live_server}/login")
    on_phone.fill("#email", INJECTOR)
    on_phone.fill("#password", PASSWORD)
    on_phone.click("button[type=submit]")
    on_phone.wait_for_url(f"{live_server}/patients")
    _upload(on_phone, live_server, patient_url, [(_dated_photo(today, 3.0), "rest"),
                                                 (_dated_photo(today, 3.05), "frown")])
    screenshot(on_phone, "day-09-timeline-review-phone")
    on_phone.goto(f"{live_server}{_photo_of(on_phone, today, 'frown')}")
    on_phone.locator("#treatment").wait_for()
    assert on_phone.locator("#treatment-record").count() == 0  # a review records no treatment by itself
    assert "a review visit needs neither" in on_phone.inner_text("#treatment")
    assert on_phone.locator("#plan-sites .site").count() == 0  # and starts with no plan to save
    screenshot(on_phone, "day-10-review-photo-phone")

    # The medical director joins on a phone and signs the treated visit off; the review is not asked for.
    director = phone.new_page()
    _join(director, _link_in(invitations[DIRECTOR][0], "/join/"), "Dr Mo Dir")
    _enrol_second_factor(director)
    director.goto(f"{live_server}/sign-off")
    waiting = director.locator("[data-review-visit]")
    assert waiting.count() == 1
    listed = director.inner_text("main")
    assert "Rosa Grant" in listed and "C7781A" in listed and "Nia Nurse" in listed
    screenshot(director, "day-11-sign-off-list-phone")
    waiting.first.click()
    director.wait_for_url("**/review")
    review = director.inner_text("main")
    assert "Botox 100 U" in review and "lot C7781A" in review and "by Nia Nurse" in review
    director.check("#reviewed")
    screenshot(director, "day-12-sign-off-review-phone")
    review_url = director.url
    director.click("[data-sign-visit]")
    director.wait_for_url("**/sign-off")
    assert "Signed off: Rosa Grant" in director.inner_text("main")
    assert director.locator("[data-review-visit]").count() == 0
    director.goto(review_url)
    assert "Signed off by Dr Mo Dir" in director.inner_text(".signed-banner")
    screenshot(director, "day-13-signed-phone")

    # The signed visit's photo page is read-only for the injector, with a way on.
    injector.reload()
    assert injector.locator("#plan-save").count() == 0 and injector.locator("#treatment-withdraw").count() == 0
    assert "Signed off by Dr Mo Dir" in injector.inner_text("main")
    screenshot(injector, "day-14-signed-photo-desk")
    desk.close()
    phone.close()
