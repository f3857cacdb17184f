"""A patient in real Chromium: invitation, sign-in, progress, withdrawal."""
from __future__ import annotations

import io
import re
import zipfile

from tests.browser.conftest import screenshot, sign_in
from tests.conftest import Staff
from tests.images import astronaut, encode
from tests.web.test_compare import MEASURED_SCALE, _moved


def test_patient_withdraws_marketing_and_case_leaves_gallery(live_app, live_server, page):
    staff = Staff(live_app)
    staff.create(role="admin")
    api = live_app.test_client()
    headers = {"Authorization": f"Bearer {staff.token()}"}
    patient_id = api.post("/api/v1/patients", json={"name": "Eileen Collins"}, headers=headers).get_json()["id"]
    for day, data in (("2026-01-05", encode(astronaut(MEASURED_SCALE), "JPEG")), ("2026-01-19", _moved())):
        api.post(f"/api/v1/patients/{patient_id}/photos", headers=headers, content_type="multipart/form-data",
                 data={"file": (io.BytesIO(data), "p.jpg"), "expression": "rest", "taken_at": day})
    comparison = api.post("/api/v1/comparisons", json={"before": 1, "after": 2}, headers=headers).get_json()["id"]
    api.post(f"/api/v1/patients/{patient_id}/consents", headers=headers, json={
        "scopes": ["clinical", "portal", "marketing"], "signed_name": "Eileen Collins", "text_version": "1"})
    assert api.post(f"/api/v1/comparisons/{comparison}/publish", headers=headers).status_code == 200

    # Staff create the invitation in the browser.
    sign_in(page, live_server)
    page.goto(f"{live_server}/patients/{patient_id}")
    page.click("text=Invite to the portal")
    link = page.input_value("#invitation-link")
    assert re.search(r"/portal/accept/[\w-]+$", link)
    page.context.clear_cookies()

    page.goto(f"{live_server}/gallery")
    assert page.locator(f"a[href='/gallery/{comparison}']").count() == 1
    screenshot(page, "gallery")

    page.goto(link)
    page.fill("#email", "eileen@example.test")
    page.fill("#password", "a long patient password")
    page.fill("#confirm", "a long patient password")
    screenshot(page, "portal-accept")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/portal")
    assert page.locator("#portal-photos img").count() == 2
    page.wait_for_load_state("load")  # images in; wait_for_function would need eval, which the CSP forbids
    assert page.evaluate("[...document.querySelectorAll('#portal-photos img')].every(i => i.complete && i.naturalWidth > 0)")
    assert page.locator("svg.chart-wide").is_visible() and not page.locator("svg.chart-narrow").is_visible()
    screenshot(page, "portal-home")

    page.click("#export-button")
    page.wait_for_url(f"{live_server}/portal#data")
    with page.expect_download() as download:
        page.click("#download-export")
    with zipfile.ZipFile(download.value.path()) as archive:
        names = archive.namelist()
        assert "README.txt" in names and len([n for n in names if n.startswith("photos/")]) == 2
        assert "Eileen Collins" in archive.read("README.txt").decode()

    page.check("input[name=scopes][value=marketing]")
    page.click("#withdraw-button")
    page.wait_for_url(f"{live_server}/portal/consents/withdraw?scopes=marketing")
    assert "public gallery at once" in page.inner_text("#confirm-withdrawal")
    page.goto(f"{live_server}/gallery")  # nothing withdrawn before the confirmation
    assert page.locator(f"a[href='/gallery/{comparison}']").count() == 1
    page.go_back()
    page.click("#confirm-withdraw")
    page.wait_for_url(f"{live_server}/portal")
    assert page.inner_text("#consents li[data-scope=marketing]").startswith("No")
    page.goto(f"{live_server}/gallery")
    assert page.locator(f"a[href='/gallery/{comparison}']").count() == 0
    assert "No cases to show" in page.inner_text("main")
    for image in ("image", "before", "after"):  # the pair and the slider's photos alike
        assert page.request.get(f"{live_server}/gallery/{comparison}/{image}.png").status == 404
