"""The API reference page renders in Chromium from local assets, under the app's CSP."""
from __future__ import annotations

from tests.browser.conftest import screenshot


def test_reference_lists_every_operation_with_its_schemas(live_server, page):
    external = []
    page.on("request", lambda request: external.append(request.url)
            if not request.url.startswith(live_server) and not request.url.startswith("data:") else None)
    page.goto(f"{live_server}/api/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert len(paths) >= 16 and any("/api/v1/patients/{patient_id}/photos" in p for p in paths)
    page.locator(".opblock-summary-path", has_text="/api/v1/photos/{photo_id}/plan").first.click()
    page.wait_for_selector("text=PlanOut")
    screenshot(page, "api-reference")
    assert external == []
