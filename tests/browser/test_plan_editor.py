"""The injection-plan editor in real Chromium: drag, units, totals, save, reload."""
from __future__ import annotations

import io
from datetime import date, timedelta

from tests.browser.conftest import photo_for_staff, screenshot, sign_in
from tests.images import astronaut, encode
from tests.web.helpers import ready_for_treatment


def test_drag_site_change_units_and_find_it_saved(live_app, live_server, page):
    photo, _ = photo_for_staff(live_app, "Plan", encode(astronaut(3.0), "JPEG"))
    sign_in(page, live_server)
    page.goto(f"{live_server}/photos/{photo['id']}")
    page.locator("#plan-sites .site").nth(15).wait_for()  # (no wait_for_function: the CSP forbids eval)
    assert page.get_attribute("#plan-totals", "data-total") == "64"

    site = page.locator("#plan-sites .site").first
    before = site.get_attribute("transform")
    box = site.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 25, box["y"] + box["height"] / 2 + 10, steps=6)
    page.mouse.up()
    moved = site.get_attribute("transform")
    assert moved != before

    units = page.locator("#plan-rows tr").first.locator("input.units")
    units.fill("10")
    assert page.get_attribute("#plan-totals", "data-total") == "70"
    page.fill("#plan-lot", "C5566Z")
    page.click("#plan-save")
    page.locator("#plan-status", has_text="Saved").wait_for()
    screenshot(page, "plan-editor")

    page.reload()
    page.locator("#plan-sites .site").nth(15).wait_for()  # (no wait_for_function: the CSP forbids eval)
    assert page.get_attribute("#plan-totals", "data-total") == "70"
    assert page.input_value("#plan-lot") == "C5566Z"
    assert page.locator("#plan-sites .site").first.get_attribute("transform") == moved
    assert "saved" in page.inner_text("#plan-source")


def test_editor_refuses_to_overwrite_a_colleagues_save_and_offers_a_reload(live_app, live_server, page):
    photo, headers = photo_for_staff(live_app, "Two Editors", encode(astronaut(3.0), "JPEG"))
    api = live_app.test_client()
    sign_in(page, live_server)
    page.goto(f"{live_server}/photos/{photo['id']}")
    page.locator("#plan-sites .site").nth(15).wait_for()

    # A colleague saves the plan (through the API) while this page still shows the template.
    opened = api.get(f"/api/v1/photos/{photo['id']}/plan", headers=headers)
    colleague = api.put(f"/api/v1/photos/{photo['id']}/plan", headers={**headers, "If-Match": opened.headers["ETag"]},
                        json={"sites": opened.get_json()["sites"][:5], "lot": "COLLEAGUE"})
    assert colleague.status_code == 200

    page.expected_statuses = (412,)
    page.fill("#plan-lot", "MINE")
    page.click("#plan-save")
    page.locator("#plan-status", has_text="since you opened it").wait_for()
    assert page.is_visible("#plan-reload")
    screenshot(page, "plan-conflict")
    page.click("#plan-reload")
    page.locator("#plan-status", has_text="Reloaded").wait_for()
    assert page.input_value("#plan-lot") == "COLLEAGUE" and page.locator("#plan-sites .site").count() == 5
    page.fill("#plan-lot", "MINE")
    page.click("#plan-save")
    page.locator("#plan-status", has_text="Saved").wait_for()
    page.locator("#plan-revision-list li").nth(1).wait_for(state="attached")
    assert page.inner_text("#plan-revision-count") == "2"


def test_sites_move_with_the_keyboard(live_app, live_server, page):
    photo, _ = photo_for_staff(live_app, "Keys", encode(astronaut(3.0), "JPEG"))
    sign_in(page, live_server)
    page.goto(f"{live_server}/photos/{photo['id']}")
    page.locator("#plan-sites .site").nth(15).wait_for()
    site = page.locator("#plan-sites .site").first
    x, y = (float(v) for v in site.get_attribute("transform")[len("translate("):-1].split())
    site.focus()
    for key in ("ArrowRight", "ArrowRight", "Shift+ArrowDown"):
        page.keyboard.press(key)
    moved_x, moved_y = (float(v) for v in site.get_attribute("transform")[len("translate("):-1].split())
    assert moved_x > x and moved_y > y and (moved_y - y) > (moved_x - x)  # Shift moves five steps
    assert page.inner_text("#plan-status") == "Unsaved changes"
    page.click("#plan-save")
    page.locator("#plan-status", has_text="Saved").wait_for()
    page.reload()
    page.locator("#plan-sites .site").nth(15).wait_for()
    assert page.locator("#plan-sites .site").first.get_attribute("transform") == f"translate({moved_x:g} {moved_y:g})"


def test_lot_is_chosen_from_stock(live_app, live_server, page):
    photo, headers = photo_for_staff(live_app, "Stock", encode(astronaut(3.0), "JPEG"))
    from tests.conftest import Staff

    Staff(live_app).create("boss@clinic-a.test", role="admin")
    admin = {"Authorization": f"Bearer {Staff(live_app).token('boss@clinic-a.test')}"}
    api = live_app.test_client()
    product = api.post("/api/v1/products", json={"name": "Botox 100 U", "units_per_vial": 100}, headers=admin)
    lot = api.post("/api/v1/lots", json={"product_id": product.get_json()["id"], "lot_number": "C5566Z",
                                         "expires_on": "2026-01-31"}, headers=admin).get_json()
    sign_in(page, live_server)
    page.goto(f"{live_server}/photos/{photo['id']}")
    page.locator("#plan-sites .site").nth(15).wait_for()
    page.select_option("#plan-lot-id", str(lot["id"]))
    assert page.input_value("#plan-lot") == "C5566Z" and page.is_disabled("#plan-product")
    page.click("#plan-save")
    page.locator("#plan-status", has_text="Saved").wait_for()
    assert "Lot C5566Z of Botox 100 U" in page.inner_text("#plan-warnings")  # expired before today's photo
    screenshot(page, "plan-lot-from-stock")
    page.reload()
    page.locator("#plan-sites .site").nth(15).wait_for()
    assert page.input_value("#plan-lot-id") == str(lot["id"]) and page.input_value("#plan-product") == "Botox 100 U"


def test_a_review_visit_starts_empty_and_a_treatment_is_recorded_on_purpose(live_app, live_server, page):
    """Issue 31: the first visit's plan is saved and "toxin given" recorded with its own button; the
    two-week review opens with no plan (nothing to save by accident) and the choice of where to start."""
    photo, headers = photo_for_staff(live_app, "Review Visit", encode(astronaut(3.0), "JPEG"))
    api = live_app.test_client()
    ready_for_treatment(lambda method, path, **kwargs: api.open(path, method=method, headers=headers, **kwargs),
                        photo["patient_id"])
    sign_in(page, live_server)
    page.goto(f"{live_server}/photos/{photo['id']}")
    page.locator("#plan-sites .site").nth(15).wait_for()
    page.click("#plan-save")
    page.locator("#plan-status", has_text="Saved").wait_for()
    page.reload()
    page.click("#treatment-record")
    page.locator(".treatment-given", has_text="Toxin given").wait_for()
    assert page.get_attribute("#plan-panel", "data-read-only") == "1" and not page.is_visible("#plan-save")
    screenshot(page, "treatment-recorded")

    later = api.post(f"/api/v1/patients/{photo['patient_id']}/photos", headers=headers,
                     content_type="multipart/form-data",
                     data={"file": (io.BytesIO(encode(astronaut(2.9), "JPEG")), "p.jpg"), "expression": "frown",
                           "taken_at": (date.today() + timedelta(days=1)).isoformat()}).get_json()
    page.goto(f"{live_server}/photos/{later['id']}")
    page.locator("#plan-start", has_text="No plan for this visit yet").wait_for()
    assert not page.is_visible("#plan-editor") and page.locator("#plan-sites .site").count() == 0
    screenshot(page, "plan-review-visit")
    page.click("#plan-start-previous")
    page.locator("#plan-sites .site").nth(15).wait_for()
    assert "carried over" in page.inner_text("#plan-source") and page.is_visible("#plan-save")


def test_a_site_turns_red_while_dragged_into_a_safety_margin(live_app, live_server, page):
    """Issue 31: the margin is seen at the moment of decision, not after saving."""
    photo, _ = photo_for_staff(live_app, "Margins", encode(astronaut(3.0), "JPEG"))
    sign_in(page, live_server)
    page.goto(f"{live_server}/photos/{photo['id']}")
    forehead = page.locator("#plan-sites .site-forehead").nth(2)
    forehead.wait_for()
    assert "unsafe" not in forehead.get_attribute("class")
    box = forehead.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    brow = page.locator("#plan-guides .guide-forehead").bounding_box()
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, brow["y"] + brow["height"] + 25, steps=8)  # below the margin line, still dragging
    assert "unsafe" in forehead.get_attribute("class")
    screenshot(page, "plan-site-in-margin")
    page.mouse.move(x, y, steps=8)
    page.mouse.up()
    assert "unsafe" not in forehead.get_attribute("class")
