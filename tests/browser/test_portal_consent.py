"""In Chromium, on a phone and at a desk: a patient withdraws the portal after a confirmation that
offers their data first, signs in again and gives the consent back; staff copy an invitation link."""
from __future__ import annotations

import io

import pytest

from tests.browser.conftest import open_portal, screenshot, sign_in
from tests.conftest import Staff
from tests.images import astronaut, encode
from tests.web.test_compare import MEASURED_SCALE

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1280, "height": 900}}
EMAIL, PASSWORD = "eileen@example.test", "a long patient password"


def _invited_patient(app) -> str:
    """A patient with a photo and consent to clinical and portal; the invitation's path."""
    staff = Staff(app)
    staff.create()
    api = app.test_client()
    headers = {"Authorization": f"Bearer {staff.token()}"}
    patient = api.post("/api/v1/patients", json={"name": "Eileen Collins"}, headers=headers).get_json()["id"]
    api.post(f"/api/v1/patients/{patient}/photos", headers=headers, content_type="multipart/form-data",
             data={"file": (io.BytesIO(encode(astronaut(MEASURED_SCALE), "JPEG")), "p.jpg"), "expression": "rest"})
    api.post(f"/api/v1/patients/{patient}/consents", headers=headers, json={
        "scopes": ["clinical", "portal"], "signed_name": "Eileen Collins", "text_version": "1"})
    url = api.post(f"/api/v1/patients/{patient}/invitations", headers=headers).get_json()["url"]
    return url.split("/", 3)[3]


def _sign_in(page, server: str) -> None:
    page.goto(f"{server}/portal/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{server}/portal")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_withdraw_the_portal_after_a_confirmation_and_give_it_back(browser, live_app, live_server, viewport):
    invitation = _invited_patient(live_app)
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    open_portal(page, f"{live_server}/{invitation}", EMAIL, PASSWORD)
    assert page.locator("#portal-photos img").count() == 1
    page.locator("#consents").scroll_into_view_if_needed()
    screenshot(page, f"{viewport}-portal-consents")

    page.check("input[name=scopes][value=portal]")
    page.click("#withdraw-button")
    page.wait_for_url(f"{live_server}/portal/consents/withdraw?scopes=portal")
    text = page.inner_text("#confirm-withdrawal")
    assert "Nothing has changed yet" in text and "private links the clinic sent you stop working" in text
    assert page.locator("#export-button").is_visible()
    screenshot(page, f"{viewport}-portal-withdraw-confirm")
    page.click("#export-button")  # the copy first; the page comes back here
    page.wait_for_url(f"{live_server}/portal/consents/withdraw?scopes=portal#data")
    assert page.locator("#download-export").is_visible()
    page.click("#confirm-withdraw")
    page.wait_for_url(f"{live_server}/portal/login")  # the portal closed: signed out
    screenshot(page, f"{viewport}-portal-withdrawn")

    _sign_in(page, live_server)
    assert page.locator("#portal-photos img").count() == 0
    page.click("#closed a")
    page.wait_for_url(f"{live_server}/portal/consents/give?scopes=portal")
    assert page.is_checked("#give-portal")
    page.fill("#signed-name", "Eileen Collins")
    screenshot(page, f"{viewport}-portal-give")
    page.click("#give-submit")
    page.wait_for_url(f"{live_server}/portal#consents")
    assert page.locator("#portal-photos img").count() == 1
    assert page.inner_text("#consents li[data-scope=portal]").startswith("Yes")
    context.close()


def test_the_copy_button_copies_the_invitation_link(browser, live_app, live_server):
    _invited_patient(live_app)
    context = browser.new_context(viewport=VIEWPORTS["phone"])
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server}/patients/1")
    page.locator("#invite-form").scroll_into_view_if_needed()
    screenshot(page, "phone-invite-form")
    page.fill("#invite-email", "")
    page.click("text=Invite to the portal")
    page.wait_for_load_state("load")
    link = page.input_value("#invitation-link")
    assert page.locator(".qr svg").is_visible()
    page.click("button[data-copy=invitation-link]")
    page.wait_for_selector("[data-copy-status=invitation-link]:has-text('Copied.')")
    assert page.evaluate("navigator.clipboard.readText()") == link
    screenshot(page, "phone-invitation-copied")
    context.close()
