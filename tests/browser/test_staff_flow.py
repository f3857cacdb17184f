"""A staff member's first session in real Chromium."""
from __future__ import annotations

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD, Staff
from tests.images import astronaut_jpeg


def test_login_create_patient_upload_and_see_regions(live_app, live_server, page, tmp_path):
    Staff(live_app).create()
    photo = tmp_path / "front.jpg"
    photo.write_bytes(astronaut_jpeg(4.0))

    page.goto(f"{live_server}/patients")
    assert page.url.startswith(f"{live_server}/login")
    page.fill("#email", "nurse@clinic-a.test")
    page.fill("#password", PASSWORD)
    screenshot(page, "login")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/patients")

    page.click("text=New patient")
    page.fill("#name", "Jane Doe")
    page.fill("#date_of_birth", "1984-05-02")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/patients/*")
    page.click("text=Upload photos")

    with page.expect_file_chooser() as chooser:
        page.click("#photos")
    chooser.value.set_files(str(photo))
    assert "front.jpg" in page.inner_text("#file-list")
    page.select_option("#expression", "rest")
    screenshot(page, "upload")
    page.click("#upload-button")
    page.wait_for_url(f"{live_server}/patients/*", timeout=60_000)

    thumbnail = page.locator(".photo-card img").first
    thumbnail.wait_for()
    # Loaded, not only in the page: under load the bytes arrive after the element (polled, as the CSP
    # forbids the eval behind wait_for_function).
    for _ in range(100):
        if page.evaluate("img => img.complete && img.naturalWidth > 0", thumbnail.element_handle()):
            break
        page.wait_for_timeout(100)
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", thumbnail.element_handle())
    screenshot(page, "timeline")

    page.locator(".photo-card").first.click()
    page.wait_for_url(f"{live_server}/photos/*")
    page.locator("#photo-layer").wait_for()
    # The photo itself was fetched and decoded (an SVG <image> has no naturalWidth).
    assert page.evaluate("""async () => {
        const url = document.querySelector('#photo-layer').getAttribute('href');
        const response = await fetch(url);
        const bitmap = await createImageBitmap(await response.blob());
        return bitmap.width;
    }""") > 100
    for name in ("forehead", "glabella", "crows_feet_right"):
        outline = page.locator(f".region-{name}")
        assert outline.count() == 1 and outline.is_visible(), name
        box = outline.bounding_box()
        assert box["width"] > 10 and box["height"] > 5, name
    screenshot(page, "photo")

    assert page.locator("#line-layer").is_visible()
    assert page.locator("tr[data-region=forehead] .index").count() == 1
    page.uncheck("#lines-toggle")
    assert not page.locator("#line-layer").is_visible()
    page.check("#lines-toggle")
    page.uncheck(".region-toggle[data-region=glabella]")
    assert not page.locator(".region-glabella").is_visible()
    page.check("#mesh-toggle")
    assert page.locator("#mesh").is_visible()
    screenshot(page, "photo-mesh")
    zoomed = page.get_attribute("#stage", "viewBox")
    page.check("#whole-toggle")
    assert page.get_attribute("#stage", "viewBox") != zoomed
    assert page.get_attribute("#stage", "viewBox").startswith("0 0 ")
    screenshot(page, "photo-whole")
