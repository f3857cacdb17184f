"""The before/after pair on a 390 px phone, on each page outside the clinic that shows one: the
portal, the public case page and a share link (the staff page: test_compare_page.py)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_every_page import VIEWPORTS, _sign_in, clinic  # noqa: F401 (fixture)

SURFACES = {"portal": ("patient", "portal-comparison"), "public-case": ("anyone", "gallery-case"),
            "share-link": ("anyone", "share-link")}
# Every caption and label of the pair, as a reader sees it.
CAPTION_SIZES = """() => [...document.querySelectorAll(
    '.ba-caption strong, .ba-when, .ba-note, .ba-tag, .ba-zoom-body figcaption')]
    .filter(e => e.getClientRects().length > 0)
    .map(e => [e.textContent.trim(), parseFloat(getComputedStyle(e).fontSize)])"""


def _open(browser, live_server, clinic, surface: str, viewport: str):
    audience, name = SURFACES[surface]
    context = browser.new_context(viewport=VIEWPORTS[viewport], has_touch=viewport == "phone",
                                  is_mobile=viewport == "phone")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    _sign_in(page, live_server, audience, clinic)
    assert page.goto(f"{live_server}{clinic[audience][name]}").status == 200
    page.wait_for_load_state("load")
    return context, page, errors


def _position(page) -> int:
    return int(page.locator("[data-ba-range]").input_value())


def _clip_left_pct(page) -> float:
    clip = page.evaluate("getComputedStyle(document.querySelector('[data-ba-after]')).clipPath")
    assert clip.startswith("inset(0px 0px 0px "), clip
    return float(clip.removeprefix("inset(0px 0px 0px ").split("%")[0])


@pytest.mark.parametrize("surface", SURFACES)
def test_the_pair_reads_and_slides_on_a_phone(browser, live_server, clinic, surface):
    context, page, errors = _open(browser, live_server, clinic, surface, "phone")
    figure = page.locator("[data-before-after]")
    assert "ba-slider" in figure.get_attribute("class")
    assert page.evaluate("[...document.querySelectorAll('[data-ba-frame] img')]"
                         ".every(i => i.complete && i.naturalWidth > 0)"), "the aligned photos load"
    frame = page.locator("[data-ba-frame]").bounding_box()
    assert frame["x"] >= 0 and frame["x"] + frame["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    sizes = page.evaluate(CAPTION_SIZES)
    assert {text for text, _ in sizes} >= {"Before", "After"}
    assert all(size >= 12 for _, size in sizes), sizes
    captions = page.inner_text(".ba-captions")
    assert "2026" in captions and ("January 2026" in captions if surface == "public-case" else
                                   "05 Jan 2026" in captions and "14 days after treatment" in captions)
    screenshot(page, f"phone-before-after-{surface}")

    # The keyboard: the range input moves the divide and the after photo's edge with it.
    page.focus("[data-ba-range]")
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    assert _position(page) == 47 and _clip_left_pct(page) == pytest.approx(47)
    page.keyboard.press("End")
    assert _position(page) == 100

    # A finger drags the divide across the photos, and a tap puts it where it lands.
    page.locator("[data-ba-frame]").scroll_into_view_if_needed()
    box = page.locator("[data-ba-frame]").bounding_box()
    middle = box["y"] + box["height"] / 2
    touch = context.new_cdp_session(page)
    touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [
        {"x": box["x"] + box["width"] * 0.5, "y": middle}]})
    for fraction in (0.4, 0.3, 0.2):
        touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [
            {"x": box["x"] + box["width"] * fraction, "y": middle}]})
    touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    assert abs(_position(page) - 20) <= 2 and abs(_clip_left_pct(page) - 20) <= 2
    divide = page.locator("[data-ba-divide]").bounding_box()
    assert abs(divide["x"] + divide["width"] / 2 - (box["x"] + box["width"] * 0.2)) <= 0.03 * box["width"]
    page.touchscreen.tap(box["x"] + box["width"] * 0.75, middle)
    assert abs(_position(page) - 75) <= 2

    # "Show both": one above the other on a phone, neither clipped.
    page.click("[data-ba-view]")
    before, after = (page.locator(f".ba-photo-{side} img").bounding_box() for side in ("before", "after"))
    assert after["y"] >= before["y"] + before["height"] and after["width"] == pytest.approx(before["width"])
    assert page.evaluate("getComputedStyle(document.querySelector('[data-ba-after]')).clipPath") == "none"
    screenshot(page, f"phone-before-after-{surface}-both")
    page.click("[data-ba-view]")
    assert "ba-slider" in figure.get_attribute("class")

    # Enlarge: both photos in a dialog, and at full size (larger than the phone) on a tap.
    page.click("[data-ba-zoom]")
    dialog = page.locator("[data-ba-dialog]")
    assert dialog.is_visible()
    zoomed = page.locator("[data-ba-zoom-image]")
    natural = [zoomed.nth(i).evaluate("img => img.decode().then(() => img.naturalWidth)") for i in range(2)]
    assert natural[0] == natural[1] and natural[0] > 0
    zoomed.first.click()
    assert page.get_attribute("[data-ba-full]", "aria-pressed") == "true"
    shown = zoomed.first.bounding_box()["width"]
    assert shown == pytest.approx(natural[0], abs=1) and shown > frame["width"]
    assert all(size >= 12 for _, size in page.evaluate(CAPTION_SIZES))
    screenshot(page, f"phone-before-after-{surface}-enlarged")
    page.click("[data-ba-close]")
    assert not dialog.is_visible()
    assert not errors, errors
    context.close()


@pytest.mark.parametrize("surface", SURFACES)
def test_the_pair_at_a_desk(browser, live_server, clinic, surface):
    context, page, errors = _open(browser, live_server, clinic, surface, "desk")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    screenshot(page, f"desk-before-after-{surface}")
    page.click("[data-ba-view]")
    before, after = (page.locator(f".ba-photo-{side} img").bounding_box() for side in ("before", "after"))
    assert after["x"] >= before["x"] + before["width"]  # side by side on a wide screen
    screenshot(page, f"desk-before-after-{surface}-both")
    assert not errors, errors
    context.close()
