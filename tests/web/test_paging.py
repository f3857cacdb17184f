"""Issue 34: lists that grow come a page at a time, with the total and the way on."""
from __future__ import annotations

import pytest

from tests.web.helpers import api_caller


@pytest.fixture
def seven(app, staff):
    staff.create()
    staff.create("boss@clinic-a.test", role="admin")
    api = api_caller(app, staff.token())
    ids = [api("POST", "/api/v1/patients", json={"name": f"Patient {n}"}).get_json()["id"] for n in range(7)]
    return api, ids


def test_the_api_pages_the_patient_list(seven):
    api, ids = seven
    first = api("GET", "/api/v1/patients?page_size=3").get_json()
    assert [p["id"] for p in first["patients"]] == ids[:3]
    assert (first["page"], first["page_size"], first["total"]) == (1, 3, 7)
    assert first["next"].endswith("/api/v1/patients?page=2&page_size=3")
    last = api("GET", "/api/v1/patients?page=3&page_size=3").get_json()
    assert [p["id"] for p in last["patients"]] == ids[6:] and last["next"] is None
    assert api("GET", "/api/v1/patients").get_json()["total"] == 7  # 50 a page by default
    for bad in ("page_size=0", "page_size=201", "page=0", "page=x"):
        response = api("GET", f"/api/v1/patients?{bad}")
        assert response.status_code == 422, bad
        assert "page" in response.get_json()["error"]["message"]


def test_the_patients_page_has_next_and_previous(app, staff, seven, monkeypatch):
    monkeypatch.setattr("gallery.patients.views.PATIENTS_PER_PAGE", 3)
    web = staff.login(app.test_client())
    page = web.get("/patients").get_data(as_text=True)
    assert page.count('class="patient-list"') == 1 and page.count("<li><a href=\"/patients/") == 3
    assert "Page 1 of 3 · 7 in all" in page and 'rel="next" href="/patients?page=2"' in page and 'rel="prev"' not in page
    second = web.get("/patients?page=2&q=patient").get_data(as_text=True)
    assert 'rel="prev" href="/patients?page=1&amp;q=patient"' in second or 'rel="prev" href="/patients?q=patient&amp;page=1"' in second
    assert web.get("/patients?page=nine").status_code == 422


def test_the_audit_log_pages_too(app, staff, seven, monkeypatch):
    monkeypatch.setattr("gallery.auditlog.views.PAGE_SIZE", 5)
    admin = staff.login(app.test_client(), "boss@clinic-a.test")
    first = admin.get("/audit?action=create").get_data(as_text=True)
    assert "Page 1 of 2 · 7 in all" in first and "page=2" in first
    second = admin.get("/audit?action=create&page=2").get_data(as_text=True)
    assert second.count("<tr><td>") == 2


def test_the_audit_log_counts_no_further_than_its_limit(app, staff, seven, monkeypatch):
    """A clinic's audit log grows to millions of rows: the page counts up to a limit and says "more"."""
    monkeypatch.setattr("gallery.auditlog.views.PAGE_SIZE", 2)
    monkeypatch.setattr("gallery.auditlog.views.COUNT_LIMIT", 4)
    admin = staff.login(app.test_client(), "boss@clinic-a.test")
    first = admin.get("/audit?action=create").get_data(as_text=True)
    assert "Page 1 of 2+ · 4+ in all" in first and "page=2" in first
    third = admin.get("/audit?action=create&page=3").get_data(as_text=True)
    assert third.count("<tr><td>") == 2 and 'rel="next"' in third  # a full page past the count: maybe more
    last = admin.get("/audit?action=create&page=4").get_data(as_text=True)
    assert last.count("<tr><td>") == 1 and 'rel="next"' not in last and 'rel="prev"' in last


def test_lots_come_a_page_at_a_time_in_the_api_and_on_the_stock_page(app, staff, monkeypatch):
    """A clinic receives lots for years: the list pages, newest expiry first, like the others."""
    staff.create("boss@clinic-a.test", role="admin")
    api = api_caller(app, staff.token("boss@clinic-a.test"))
    product = api("POST", "/api/v1/products", json={"name": "Botox 100 U", "units_per_vial": 100}).get_json()["id"]
    for month in range(1, 6):
        assert api("POST", "/api/v1/lots", json={"product_id": product, "lot_number": f"L{month}",
                                                 "expires_on": f"2027-{month:02d}-28"}).status_code == 201
    first = api("GET", "/api/v1/lots?page_size=2").get_json()
    assert [lot["lot_number"] for lot in first["lots"]] == ["L5", "L4"] and first["total"] == 5
    assert first["next"].endswith("/api/v1/lots?page=2&page_size=2")
    assert [lot["lot_number"] for lot in api("GET", "/api/v1/lots?page=3&page_size=2").get_json()["lots"]] == ["L1"]
    assert api("GET", "/api/v1/lots?page_size=500").status_code == 422
    monkeypatch.setattr("gallery.stock.views.LOTS_PER_PAGE", 2)
    admin = staff.login(app.test_client(), "boss@clinic-a.test")
    page = admin.get("/admin/stock?page=2").get_data(as_text=True)
    assert "Page 2 of 3 · 5 in all" in page and "<td>L3</td>" in page and "<td>L5</td>" not in page
    assert 'rel="next" href="/admin/stock?page=3"' in page
