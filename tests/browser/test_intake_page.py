"""Issue 31: on a tablet, staff review the medical history, the patient signs the treatment consent
with a finger, and the injector reads both on the photo page before pressing "Record: toxin given"."""
from __future__ import annotations

import pytest

from tests.browser.conftest import photo_for_staff, screenshot, sign_in
from tests.images import astronaut, encode


@pytest.mark.parametrize("width", [1280, 390])
def test_history_consent_and_the_treatment_card_on_a_tablet(live_app, live_server, browser, width):
    photo, headers = photo_for_staff(live_app, "Tab Let", encode(astronaut(3.0), "JPEG"))
    api, patient = live_app.test_client(), photo["patient_id"]
    plan = api.get(f"/api/v1/photos/{photo['id']}/plan", headers=headers)
    assert api.put(f"/api/v1/photos/{photo['id']}/plan", json={"sites": plan.get_json()["sites"][:5]},
                   headers={**headers, "If-Match": plan.headers["ETag"]}).status_code == 200
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    sign_in(page, live_server)

    page.goto(f"{live_server}/patients/{patient}/intake")
    for field in ("pregnant_or_breastfeeding", "neuromuscular_disease", "toxin_allergy", "anticoagulants",
                  "aminoglycosides"):
        page.check(f"input[name={field}][value=no]")
    page.check("input[name=infection_at_sites][value=yes]")
    page.fill("#previous_treatments", "Glabella 20 U, June 2026, here; no problems")
    page.click("#intake-save")
    page.locator("#intake-history .flag-contraindication", has_text="infection").wait_for()
    screenshot(page, f"intake-{width}")

    page.goto(f"{live_server}/patients/{patient}/treatment-consent")
    page.fill("#signed_name", "Tab Let")
    page.locator("#signature-pad").scroll_into_view_if_needed()
    box = page.locator("#signature-pad").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 100)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 20, box["y"] + 100 - (step % 3) * 25)
    page.mouse.up()
    screenshot(page, f"treatment-consent-{width}")
    page.click("#treatment-consent-sign")
    page.locator(".signature-image").wait_for()
    assert page.inner_text("#receipt-in-force") == "Yes"

    page.goto(f"{live_server}/photos/{photo['id']}#treatment")
    card = page.locator("#before-treatment")
    card.wait_for()
    assert "Contraindication: infection" in card.inner_text() and "Treatment consent signed" in card.inner_text()
    assert page.is_visible("#treatment-reason")
    screenshot(page, f"treatment-card-{width}")
    page.fill("#treatment-reason", "Small healed scratch, away from the sites; checked with the patient")
    page.click("#treatment-record")
    page.locator(".treatment-given", has_text="Toxin given").wait_for()
    assert "Small healed scratch" in page.inner_text("#treatment")
