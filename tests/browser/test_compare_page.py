"""The comparison slider in real Chromium: keyboard, drag, figures."""
from __future__ import annotations

import io

from tests.browser.conftest import screenshot, sign_in
from tests.conftest import Staff
from tests.images import astronaut, encode
from tests.web.test_compare import MEASURED_SCALE, _moved


def _comparison(live_app) -> int:
    staff = Staff(live_app)
    staff.create()
    client = live_app.test_client()
    headers = {"Authorization": f"Bearer {staff.token()}"}
    patient_id = client.post("/api/v1/patients", json={"name": "Slider"}, headers=headers).get_json()["id"]
    for day, data in (("2026-03-01", encode(astronaut(MEASURED_SCALE), "JPEG")), ("2026-03-15", _moved())):
        client.post(f"/api/v1/patients/{patient_id}/photos", headers=headers, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(data), "p.jpg"), "expression": "rest", "taken_at": day})
    return client.post("/api/v1/comparisons", json={"before": 1, "after": 2}, headers=headers).get_json()["id"]


def test_slider_moves_with_keyboard_and_drag(live_app, live_server, page):
    comparison = {"id": _comparison(live_app)}
    sign_in(page, live_server)
    page.goto(f"{live_server}/comparisons/{comparison['id']}")
    page.wait_for_load_state("load")  # images in; wait_for_function would need eval, which the CSP forbids
    assert page.evaluate("[...document.querySelectorAll('[data-ba-frame] img')]"
                         ".every(i => i.complete && i.naturalWidth > 0)")
    divide = page.locator("[data-ba-range]")
    assert divide.input_value() == "50"

    divide.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert divide.input_value() == "52"
    page.keyboard.press("Home")
    assert divide.input_value() == "0"
    page.keyboard.press("End")
    assert divide.input_value() == "100"

    box = page.locator("[data-ba-frame]").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    assert abs(int(divide.input_value()) - 25) <= 2
    clip = page.evaluate("getComputedStyle(document.querySelector('[data-ba-after]')).clipPath")
    assert clip.startswith("inset(0px 0px 0px 2")  # the after photo begins at the divide

    figures = page.inner_text("#figures")
    assert "Forehead" in figures and "%" in figures
    # A region's reason for no change ("no lines to compare before") wraps in its row: kept on one line it
    # ran past the panel, and its end lay hidden behind the table's sideways scroll at a desk.
    assert page.locator("#figures .change .muted").count() > 0, figures
    assert page.evaluate("(b => b.scrollWidth <= b.clientWidth)(document.querySelector('#figures').parentElement)")
    page.check("#outline-toggle")
    assert page.locator("[data-ba-frame] .outlines").first.is_visible()
    screenshot(page, "comparison-slider")
    page.click("[data-ba-view]")
    assert page.get_attribute("[data-ba-view]", "aria-pressed") == "true"
    photos = [page.locator(f".ba-photo-{side} img").bounding_box() for side in ("before", "after")]
    assert photos[0]["x"] + photos[0]["width"] <= photos[1]["x"]  # side by side at a desk, the after unclipped
    assert page.evaluate("getComputedStyle(document.querySelector('[data-ba-after]')).clipPath") == "none"
    screenshot(page, "comparison-side")


def test_slider_follows_a_finger_on_a_phone(live_app, live_server, browser):
    comparison = _comparison(live_app)
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server}/comparisons/{comparison}")
    page.wait_for_load_state("load")
    page.locator("[data-ba-frame]").scroll_into_view_if_needed()
    box = page.locator("[data-ba-frame]").bounding_box()
    assert box["width"] <= 390
    middle = box["y"] + box["height"] / 2
    touch = context.new_cdp_session(page)
    touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [
        {"x": box["x"] + box["width"] * 0.5, "y": middle}]})
    for fraction in (0.45, 0.4, 0.35, 0.3):
        touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [
            {"x": box["x"] + box["width"] * fraction, "y": middle}]})
    touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    assert abs(int(page.locator("[data-ba-range]").input_value()) - 30) <= 2
    page.touchscreen.tap(box["x"] + box["width"] * 0.8, middle)
    assert abs(int(page.locator("[data-ba-range]").input_value()) - 80) <= 2
    screenshot(page, "comparison-phone")
    context.close()
