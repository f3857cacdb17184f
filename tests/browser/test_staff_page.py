"""An admin staffs the clinic in Chromium: an invitation's link shown to copy (no email here), the
newcomer joining from it on a phone, and the last admin kept."""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_every_page import VIEWPORTS, _problems
from tests.conftest import PASSWORD, Staff


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_an_admin_invites_and_the_newcomer_joins(browser, live_app, live_server, viewport):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    Staff(live_app).create("boss@clinic-a.test", role="admin", name="Bo Boss")
    Staff(live_app).create(name="Nia Nurse")
    admin = browser.new_context(viewport=VIEWPORTS[viewport]).new_page()
    sign_in(admin, live_server, "boss@clinic-a.test")
    admin.goto(f"{live_server}/admin/staff")
    admin.fill("#email", "mo@clinic-a.test")
    admin.select_option("#role", "medical_director")
    admin.click("text=Send invitation")
    admin.wait_for_load_state()
    assert "The email was not sent" in admin.inner_text("#link-to-pass")
    link = admin.input_value("#link")
    assert admin.input_value("#email") == ""  # ready for the next invitation
    screenshot(admin, f"{viewport}-staff-invited")
    problems = [f"staff: {p}" for p in _problems(admin, axe, viewport)]

    admin.click("[data-deactivate='boss@clinic-a.test']")  # the only admin
    admin.wait_for_load_state()
    assert "last active admin" in admin.inner_text("#staff-error")
    screenshot(admin, f"{viewport}-staff-last-admin")

    newcomer = browser.new_context(viewport=VIEWPORTS[viewport]).new_page()
    newcomer.goto(link)
    assert newcomer.inner_text("h1") == "Join Clinic A"
    screenshot(newcomer, f"{viewport}-join")
    problems += [f"join: {p}" for p in _problems(newcomer, axe, viewport)]
    newcomer.fill("#name", "Dr Mo Dir")
    newcomer.fill("#password", PASSWORD)
    newcomer.fill("#confirm", PASSWORD)
    newcomer.click("button[type=submit]")
    newcomer.wait_for_load_state()
    assert "/account/second-factor" in newcomer.url  # a medical director sets up a second factor first
    assert "Welcome to Clinic A, Dr Mo Dir." in newcomer.inner_text("main")

    admin.goto(f"{live_server}/admin/staff")
    assert "Dr Mo Dir" in admin.inner_text("#staff")
    screenshot(admin, f"{viewport}-staff")
    assert not problems, "\n".join(problems)
