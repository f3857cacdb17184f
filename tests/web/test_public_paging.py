"""Issue 34: the public gallery comes a page at a time, and a page costs the same few
statements however many cases it shows (consent judged for a batch at once, views
counted in one statement)."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import event

from gallery.db import get_db
from gallery.models import PublicView
from tests.images import astronaut, encode
from tests.web.helpers import api_caller
from tests.web.test_compare import MEASURED_SCALE, _moved


@pytest.fixture
def published(app, staff):
    """Four published cases, newest last; the third patient's marketing consent is withdrawn."""
    staff.create(role="admin")
    api = api_caller(app, staff.token())
    cases = []
    for index in range(4):
        patient = api("POST", "/api/v1/patients", json={"name": f"Case {index}"}).get_json()["id"]
        photos = []
        for day, data in (("2026-02-01", encode(astronaut(MEASURED_SCALE), "JPEG", quality=80 + index)),
                          ("2026-02-15", encode(np.asarray(Image.open(io.BytesIO(_moved()))), "JPEG",
                                                quality=80 + index))):
            made = api("POST", f"/api/v1/patients/{patient}/photos", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), "p.jpg"), "expression": "rest", "taken_at": day})
            assert made.status_code == 201, made.data
            photos.append(made.get_json()["id"])
        comparison = api("POST", "/api/v1/comparisons", json={"before": photos[0], "after": photos[1]}).get_json()["id"]
        assert api("POST", f"/api/v1/patients/{patient}/consents", json={
            "scopes": ["clinical", "marketing"], "signed_name": "P", "text_version": "1"}).status_code == 201
        assert api("POST", f"/api/v1/comparisons/{comparison}/publish").status_code == 200
        cases.append((patient, comparison))
    withdrawn = api("POST", f"/api/v1/patients/{cases[2][0]}/consents/withdraw", json={"scopes": ["marketing"]})
    assert withdrawn.status_code in (200, 201), withdrawn.data
    return [comparison for _, comparison in cases]


def _shown(page: str) -> list[int]:
    import re

    return [int(n) for n in re.findall(r'href="/gallery/(\d+)"', page)]


def test_the_gallery_pages_through_consented_cases_only(app, published, monkeypatch):
    monkeypatch.setattr("gallery.public.service.CASES_PER_PAGE", 2)
    monkeypatch.setattr("gallery.public.service._BATCH", 1)  # judged a case at a time: batches join up
    client = app.test_client()
    first = client.get("/gallery").get_data(as_text=True)
    second = client.get("/gallery?page=2").get_data(as_text=True)
    newest_first = [published[3], published[1], published[0]]  # case 2 is withdrawn
    assert _shown(first) == newest_first[:2] and 'rel="next" href="/gallery?page=2"' in first
    assert _shown(second) == newest_first[2:] and 'rel="prev"' in second and 'rel="next"' not in second
    assert client.get("/gallery?page=0").status_code == 422


def test_a_gallery_page_costs_the_same_statements_for_one_case_or_three(app, published, monkeypatch):
    engine = app.extensions["gallery_engine"]
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    client = app.test_client()

    def cost(per_page: int) -> int:
        monkeypatch.setattr("gallery.public.service.CASES_PER_PAGE", per_page)
        statements.clear()
        assert client.get("/gallery").status_code == 200
        return len(statements)

    assert cost(1) == cost(3)
    with app.app_context():
        views = {row.comparison_id: row.views for row in get_db().query(PublicView)}
    assert views == {published[3]: 2, published[1]: 1, published[0]: 1}


def test_a_public_case_names_the_clinic_its_areas_and_that_results_vary(app, published):
    page = app.test_client().get(f"/gallery/{published[0]}").get_data(as_text=True)
    assert '<span class="clinic-name">Clinic A</span>' in page  # in the page's header
    assert "Results vary from person to person" in page and "Treatment areas:" in page
