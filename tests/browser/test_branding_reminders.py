"""In Chromium, on a desk and a phone: an admin uploads the clinic's logo through the page (and a
bad file is refused with its reason), the portal and a share link wear the clinic's name and logo,
and the timeline shows the reminders scheduled and sent."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest

from tests.browser.conftest import open_portal, screenshot, sign_in
from tests.browser.test_every_page import VIEWPORTS
from tests.conftest import PASSWORD, Staff
from tests.images import astronaut, encode
from tests.web.test_branding import _logo_png
from tests.web.test_compare import MEASURED_SCALE, _moved


@pytest.fixture
def live_app(mailing_app):
    return mailing_app


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_branding_and_reminders_in_the_browser(browser, live_app, live_server, viewport, tmp_path):
    app, server = live_app, live_server
    staff = Staff(app)
    staff.create("admin@clinic-a.test", role="admin")
    api = app.test_client()
    headers = {"Authorization": f"Bearer {staff.token('admin@clinic-a.test')}"}
    patient = api.post("/api/v1/patients", json={"name": "Eileen Collins"}, headers=headers).get_json()["id"]
    photos = [api.post(f"/api/v1/patients/{patient}/photos", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), "p.jpg"), "expression": "frown", "taken_at": day}
                       ).get_json()["id"] for day, data in (("2026-01-05", encode(astronaut(MEASURED_SCALE), "JPEG")),
                                                            ("2026-01-19", _moved()))]
    comparison = api.post("/api/v1/comparisons", json={"before": photos[0], "after": photos[1]},
                          headers=headers).get_json()["id"]
    api.post(f"/api/v1/patients/{patient}/consents", headers=headers, json={
        "scopes": ["clinical", "portal", "contact"], "signed_name": "Eileen Collins", "text_version": "1"})
    share = api.post(f"/api/v1/comparisons/{comparison}/share-links", headers=headers,
                     json={"expires_in_days": 7}).get_json()["url"]
    invitation = api.post(f"/api/v1/patients/{patient}/invitations", headers=headers).get_json()["url"]
    with app.app_context():  # treated 12 days ago: the review reminder is due in the next run
        from gallery.db import get_db
        from gallery.models import Patient, TreatmentRecord, Visit, utcnow
        treated = utcnow().date() - timedelta(days=12)
        get_db().get(Patient, patient).email = "eileen@example.test"
        visit = Visit(clinic_id=1, patient_id=patient, visit_date=treated, notes="", treated=True)
        get_db().add(visit)
        get_db().flush()
        get_db().add(TreatmentRecord(clinic_id=1, visit_id=visit.id, given_at=datetime.combine(treated, datetime.min.time()),
                                     sites=[], total_units=20.0, warnings=[]))
        get_db().commit()
    share, invitation = (server + re.sub(r"^https?://[^/]+", "", url) for url in (share, invitation))
    logo, bad = tmp_path / "logo.png", tmp_path / "logo.gif"
    logo.write_bytes(_logo_png())
    bad.write_bytes(b"GIF89a not a logo")
    size = VIEWPORTS[viewport]

    context = browser.new_context(viewport=size)
    page = context.new_page()
    sign_in(page, server, "admin@clinic-a.test")
    page.goto(f"{server}/admin/branding")
    page.fill("#clinic-name", "Lakeside Skin Clinic")
    page.set_input_files("#logo-file", str(bad))
    page.click("#branding button[type=submit]")
    assert page.text_content("#branding-error").strip() == "A logo must be a PNG or JPEG image."
    assert page.input_value("#clinic-name") == "Lakeside Skin Clinic"  # kept: only the file is chosen again
    screenshot(page, f"branding-refused-{viewport}")
    page.set_input_files("#logo-file", str(logo))
    page.click("#branding button[type=submit]")
    page.wait_for_selector("#current-logo")
    assert page.evaluate("document.querySelector('#current-logo').naturalWidth") == 600
    screenshot(page, f"branding-{viewport}")
    page.goto(f"{server}/patients/{patient}")
    assert page.locator('#reminders li[data-kind="review"][data-state="scheduled"]').count() == 1
    with app.app_context():
        from gallery.reminders import send_due_reminders
        assert send_due_reminders() == 1
    page.reload()
    assert page.locator('#reminders li[data-kind="review"][data-state="sent"]').count() == 1
    page.locator("#reminders").scroll_into_view_if_needed()
    screenshot(page, f"timeline-reminders-{viewport}")
    context.close()

    for name, path in (("share-link", share), ("portal", None)):
        context = browser.new_context(viewport=size)
        page = context.new_page()
        if path is None:
            open_portal(page, invitation, "eileen@example.test", PASSWORD)
        else:
            page.goto(path)
        brand = page.locator("#clinic-brand")
        assert brand.inner_text().strip() == "Lakeside Skin Clinic"
        assert page.evaluate("document.querySelector('#clinic-brand img').naturalWidth") == 600
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"{name}: {widths}"
        screenshot(page, f"{name}-brand-{viewport}")
        if path is None:
            page.goto(f"{server}/portal/consents/withdraw?scopes=contact")
            screenshot(page, f"portal-withdraw-contact-{viewport}")
        context.close()
