"""Products and lots, the plan's lot from stock with expiry warnings, and the recall search."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from gallery.db import get_db
from gallery.models import AuditEvent, utcnow
from tests.images import astronaut, encode
from tests.web.helpers import api_caller, ready_for_treatment
from tests.web.test_planning import _photo, _save


@pytest.fixture
def clinic(app, staff):
    """Clinic A's admin and injector, and an admin of clinic B, as API callers."""
    staff.create("boss@clinic-a.test", role="admin")
    staff.create(name="Nurse Nia")
    staff.create("boss@clinic-b.test", clinic="Clinic B", role="admin")
    return {"admin": api_caller(app, staff.token("boss@clinic-a.test")),
            "injector": api_caller(app, staff.token("nurse@clinic-a.test")),
            "other": api_caller(app, staff.token("boss@clinic-b.test"))}


def _stock(api, lot_number="C1234", expires_on="2027-06-30"):
    product = api("POST", "/api/v1/products", json={"name": "Botox 100 U", "manufacturer": "Allergan",
                                                    "units_per_vial": 100})
    product_id = product.get_json()["id"] if product.status_code == 201 else \
        api("GET", "/api/v1/products").get_json()[0]["id"]
    lot = api("POST", "/api/v1/lots", json={"product_id": product_id, "lot_number": lot_number,
                                            "expires_on": expires_on})
    assert lot.status_code == 201, lot.data
    return lot.get_json()


def _treat(api, name, day, *, lot_id=None, lot="", seed=3.0, phone="", given=False):
    """A patient with a saved plan of five sites; ``given``: its treatment recorded too."""
    patient = api("POST", "/api/v1/patients", json={"name": name, "phone": phone}).get_json()["id"]
    photo = _photo(api, patient, day, encode(astronaut(seed), "JPEG"))
    sites = api("GET", f"/api/v1/photos/{photo}/plan").get_json()["sites"][:5]
    response = _save(api, photo, {"sites": sites, "lot_id": lot_id, "lot": lot})
    assert response.status_code == 200, response.data
    if given:
        ready_for_treatment(api, patient)
        record = api("POST", f"/api/v1/visits/{response.get_json()['visit_id']}/treatment", json={})
        assert record.status_code == 201, record.data
    return patient, photo, response.get_json()


def test_admins_keep_stock_and_others_read_it(clinic):
    lot = _stock(clinic["admin"])
    assert lot["product"] == "Botox 100 U" and lot["expires_on"] == "2027-06-30"
    assert clinic["injector"]("POST", "/api/v1/products", json={"name": "X", "units_per_vial": 50}).status_code == 403
    assert clinic["injector"]("GET", "/api/v1/lots").get_json()["lots"][0]["lot_number"] == "C1234"
    again = clinic["admin"]("POST", "/api/v1/lots", json={"product_id": lot["product_id"], "lot_number": "C1234",
                                                          "expires_on": "2027-01-01"})
    assert again.status_code == 409
    bad = clinic["admin"]("POST", "/api/v1/lots", json={"product_id": lot["product_id"], "lot_number": "D1",
                                                        "expires_on": "soon"})
    assert bad.status_code == 422 and "'expires_on' must be a date" in bad.get_json()["error"]["message"]
    foreign = clinic["other"]("POST", "/api/v1/lots", json={"product_id": lot["product_id"], "lot_number": "Z",
                                                            "expires_on": "2027-01-01"})
    assert foreign.status_code == 422  # clinic B cannot add to clinic A's product
    assert clinic["other"]("GET", "/api/v1/lots").get_json()["lots"] == []


def test_the_plan_takes_its_lot_from_stock_and_warns_when_expired(clinic):
    good = _stock(clinic["admin"])
    _, photo, plan = _treat(clinic["injector"], "Ann", "2026-03-01", lot_id=good["id"], lot="typed, ignored")
    assert (plan["lot_id"], plan["lot"], plan["product"]) == (good["id"], "C1234", "Botox 100 U")
    assert not [w for w in plan["warnings"] if w["code"] == "lot_expired"]
    assert clinic["injector"]("GET", f"/api/v1/photos/{photo}/plan").get_json()["lot_id"] == good["id"]

    old = _stock(clinic["admin"], "OLD1", expires_on="2026-02-01")
    _, _, plan = _treat(clinic["injector"], "Bea", "2026-03-01", lot_id=old["id"], seed=2.8)
    [warning] = [w for w in plan["warnings"] if w["code"] == "lot_expired"]
    assert warning["message"] == ("Lot OLD1 of Botox 100 U expired on 01 Feb 2026, before this treatment "
                                  "(01 Mar 2026).")
    yesterday = (utcnow() - timedelta(days=1)).date()
    lapsed = _stock(clinic["admin"], "LAPSED", expires_on=yesterday.isoformat())
    _, _, plan = _treat(clinic["injector"], "Cy", "2026-03-01", lot_id=lapsed["id"], seed=2.6)
    assert [w["message"] for w in plan["warnings"] if w["code"] == "lot_expired"] == [
        f"Lot LAPSED of Botox 100 U has expired ({yesterday:%d %b %Y})."]

    foreign = _stock(clinic["other"], "B-LOT")
    patient = clinic["injector"]("POST", "/api/v1/patients", json={"name": "Dee"}).get_json()["id"]
    photo = _photo(clinic["injector"], patient, "2026-03-01", encode(astronaut(2.4), "JPEG"))
    refused = _save(clinic["injector"], photo, {"sites": [], "lot_id": foreign["id"]})
    assert refused.status_code == 422 and "not in this clinic's stock" in refused.get_json()["error"]["message"]


def test_a_recall_finds_exactly_the_treatments_with_that_lot(app, staff, client, clinic):
    lot = _stock(clinic["admin"], "A1")
    other_lot = _stock(clinic["admin"], "B2")
    ann, _, _ = _treat(clinic["injector"], "Ann Stock", "2026-03-01", lot_id=lot["id"], phone="+44 20 7946 0001",
                       given=True)
    bea, _, _ = _treat(clinic["injector"], "Bea Typed", "2026-04-01", lot=" a1 ", seed=2.8, given=True)  # typed
    _treat(clinic["injector"], "Cy Other", "2026-03-01", lot_id=other_lot["id"], seed=2.6, given=True)
    _treat(clinic["other"], "Dee Elsewhere", "2026-03-01", lot="A1", seed=2.4, given=True)  # clinic B, same number
    _treat(clinic["injector"], "Eve Planned", "2026-03-01", lot_id=lot["id"], seed=2.2)  # planned, never given

    found = clinic["injector"]("GET", "/api/v1/recalls", query_string={"lot": "A1"}).get_json()["treatments"]
    assert [(t["patient_id"], t["date"]) for t in found] == [(ann, "2026-03-01"), (bea, "2026-04-01")]
    assert found[0] == {"patient_id": ann, "patient_name": "Ann Stock", "visit_id": found[0]["visit_id"],
                        "date": "2026-03-01", "units": 20.0, "injector": "Nurse Nia <nurse@clinic-a.test>",
                        "product": "Botox 100 U", "lot": "A1"}
    assert clinic["injector"]("GET", "/api/v1/recalls", query_string={"lot": "ZZZ"}).get_json() == {
        "treatments": [], "page": 1, "page_size": 50, "total": 0, "next": None}
    assert clinic["injector"]("GET", "/api/v1/recalls").status_code == 422
    with app.app_context():
        assert get_db().query(AuditEvent).filter_by(action="recall_search").count() == 2

    staff.login(client)
    page = client.get("/recalls?lot=a1").get_data(as_text=True)
    assert "2 treatments with lot a1" in page and "+44 20 7946 0001" in page and "Dee Elsewhere" not in page
    assert "Eve Planned" not in page
    assert "<td>20 U</td>" in page and "20.0" not in page  # units as a clinician writes them
    rows = list(csv.DictReader(io.StringIO(client.get("/recalls.csv?lot=A1").get_data(as_text=True))))
    assert [r["patient"] for r in rows] == ["Ann Stock", "Bea Typed"] and rows[0]["phone"] == "+44 20 7946 0001"
    assert rows[0]["patient_link"].endswith(f"/patients/{ann}")


def test_stock_pages(app, staff, client, clinic):
    staff.login(client, "boss@clinic-a.test")
    assert client.post("/admin/stock/products", data={"name": "Dysport", "units_per_vial": "300"}).status_code == 302
    page = client.get("/admin/stock").get_data(as_text=True)
    product_id = int(page.split('<option value="')[1].split('"')[0])
    assert "Dysport</strong>: 300 U per vial" in page
    assert client.post("/admin/stock/lots", data={"product_id": product_id, "lot_number": "DY9",
                                                  "expires_on": "2026-01-31"}).status_code == 302
    page = client.get("/admin/stock").get_data(as_text=True)
    assert "DY9" in page and "expired" in page
    assert client.post("/admin/stock/lots", data={"product_id": product_id, "lot_number": "DY10",
                                                  "expires_on": "31/01/2027"}).status_code == 422
    nurse = app.test_client()
    staff.login(nurse)
    assert nurse.get("/admin/stock").status_code == 403


def test_recall_search_is_paged_and_its_csv_streams_every_row(app, staff, client, clinic):
    lot = _stock(clinic["admin"], "A1")
    ann, _, _ = _treat(clinic["injector"], "Ann Stock", "2026-03-01", lot_id=lot["id"], given=True)
    bea, _, _ = _treat(clinic["injector"], "Bea Typed", "2026-04-01", lot=" a1 ", seed=2.8, given=True)

    first = clinic["injector"]("GET", "/api/v1/recalls", query_string={"lot": "A1", "page_size": 1}).get_json()
    assert [t["patient_id"] for t in first["treatments"]] == [ann] and first["total"] == 2
    assert "page=2" in first["next"] and "lot=A1" in first["next"] and "page_size=1" in first["next"]
    second = clinic["injector"]("GET", first["next"]).get_json()
    assert [t["patient_id"] for t in second["treatments"]] == [bea] and second["next"] is None

    staff.login(client)
    response = client.get("/recalls.csv?lot=a1")
    assert response.is_streamed
    assert [r["patient"] for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))] == [
        "Ann Stock", "Bea Typed"]


def test_recall_union_finds_what_the_or_of_stock_and_typed_lots_found(app, clinic):
    """The UNION of the two indexed searches (stock lot, typed lot) gives the rows the single OR
    of both conditions gave, whatever the case and spaces of a typed number."""
    from sqlalchemy import select

    from gallery.models import Lot, TreatmentRecord, Visit
    from gallery.stock.service import recall

    lot = _stock(clinic["admin"], "Q7")
    other = _stock(clinic["admin"], "Q8")
    for n, (lot_id, typed) in enumerate([(lot["id"], ""), (None, "q7"), (None, "  Q7 "), (None, "Q77"),
                                         (other["id"], ""), (None, "Q8")]):
        _treat(clinic["injector"], f"Patient {n}", f"2026-03-0{n + 1}", lot_id=lot_id, lot=typed,
               seed=2.0 + n / 10, given=True)
    with app.test_request_context():
        db = get_db()
        clinic_id = db.get(Lot, lot["id"]).clinic_id
        stock = {lot_id for lot_id, number in db.execute(select(Lot.id, Lot.lot_number)
                                                          .where(Lot.clinic_id == clinic_id))
                 if number.lower() == "q7"}
        by_or = {visit_id for visit_id, lot_id, typed in db.execute(
                 select(Visit.id, TreatmentRecord.lot_id, TreatmentRecord.lot).join(TreatmentRecord.visit)
                 .where(TreatmentRecord.clinic_id == clinic_id))
                 if lot_id in stock or typed.strip().lower() == "q7"}
        by_union = {t.visit.id for t in recall(clinic_id, " q7", page_size=200).items}
    assert by_union == by_or and len(by_or) == 3
