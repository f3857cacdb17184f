"""A patient's copy of their records: the ZIP from the API and from the portal, opened and read."""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from PIL import Image

from gallery.db import get_db
from gallery.models import AuditEvent, Clinic, DataExport, Visit, utcnow
from gallery.store_check import GRACE, check_store
from gallery.photos.service import blob_store
from tests.conftest import PASSWORD
from tests.images import astronaut, encode
from tests.web.helpers import api_caller
from tests.web.test_compare import MEASURED_SCALE, _moved

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def api(app, staff):
    staff.create(role="admin")
    return api_caller(app, staff.token())


@pytest.fixture
def record(app, api):
    """A treated patient: two frown photos, a comparison, consent granted and partly withdrawn."""
    patient = api("POST", "/api/v1/patients", json={"name": "Ann Lee"}).get_json()["id"]
    uploads = {}
    for day, data in (("2026-02-01", encode(astronaut(MEASURED_SCALE), "JPEG")), ("2026-02-15", _moved())):
        photo = api("POST", f"/api/v1/patients/{patient}/photos", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(data), "p.jpg"), "expression": "frown", "taken_at": day}).get_json()
        uploads[photo["id"]] = data
    ids = sorted(uploads)
    api("POST", "/api/v1/comparisons", json={"before": ids[0], "after": ids[1]})
    api("POST", f"/api/v1/patients/{patient}/consents",
        json={"scopes": ["clinical", "portal", "marketing"], "signed_name": "Ann Lee", "text_version": "1"})
    api("POST", f"/api/v1/patients/{patient}/consents/withdraw", json={"scopes": ["marketing"]})
    with app.app_context():
        get_db().query(Visit).filter_by(patient_id=patient).order_by(Visit.visit_date).first().treated = True
        get_db().commit()
    return {"patient": patient, "uploads": uploads}


def _read(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def test_staff_export_holds_the_whole_record_and_reads_correctly(app, api, record):
    response = api("GET", f"/api/v1/patients/{record['patient']}/export")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert re.match(r'attachment; filename="Ann_Lee-records-\d{4}-\d\d-\d\d\.zip"', response.headers["Content-Disposition"])
    assert "no-store" in response.headers["Cache-Control"]
    files = _read(response.data)

    photos = sorted(name for name in files if name.startswith("photos/"))
    assert photos == [f"photos/2026-02-01_frown_{min(record['uploads'])}.jpg",
                      f"photos/2026-02-15_frown_{max(record['uploads'])}.jpg"]
    for name in photos:
        image = Image.open(io.BytesIO(files[name]))
        assert image.format == "JPEG" and min(image.size) > 200
    assert not any(name.startswith("originals/") for name in files)  # the clinic has not allowed them
    [comparison] = [name for name in files if name.startswith("comparisons/")]
    assert comparison.startswith("comparisons/2026-02-01_to_2026-02-15") and files[comparison].startswith(PNG)

    analysed = api("GET", f"/api/v1/photos/{min(record['uploads'])}").get_json()
    rows = list(csv.DictReader(io.StringIO(files["progress.csv"].decode())))
    glabella = next(r for r in rows if r["area"] == "glabella" and r["date"] == "2026-02-01")
    assert float(glabella["wrinkle_index"]) == pytest.approx(analysed["analysis"]["regions"]["glabella"]["wrinkle_index"])
    assert glabella["photo_file"] == photos[0] and glabella["expression"] == "frown"

    data = json.loads(files["records.json"])
    assert data["patient"]["name"] == "Ann Lee"
    assert [v["date"] for v in data["visits"]] == ["2026-02-01", "2026-02-15"] and data["visits"][0]["treated"]
    assert data["consent"]["in_force"] == ["clinical", "portal"]
    assert [(h["action"], h["scopes"]) for h in data["consent"]["history"]] == [
        ("grant", ["clinical", "portal", "marketing"]), ("withdraw", ["marketing"])]

    readme = files["README.txt"].decode()
    assert "Ann Lee" in readme and "01 February 2026, treated: 1 photo(s)" in readme
    assert "No: The clinic's public before-and-after gallery" in readme
    assert "Frown lines, when frowning:" in readme and "(day 14)" in readme
    with app.app_context():
        assert get_db().query(AuditEvent).filter_by(action="export", object_id=record["patient"]).count() == 1


def test_originals_only_where_the_clinic_allows_them(app, client, staff, api, record):
    staff.login(client)
    assert client.post("/admin/data-exports", data={"export_originals": "1"}).status_code == 302
    with app.app_context():
        assert get_db().query(Clinic).one().export_originals
    files = _read(api("GET", f"/api/v1/patients/{record['patient']}/export").data)
    originals = {name: data for name, data in files.items() if name.startswith("originals/")}
    assert sorted(originals.values()) == sorted(record["uploads"].values())  # byte for byte
    assert api("GET", "/api/v1/patients/999/export").status_code == 404


def _portal_patient(app, client, staff, record):
    staff.login(client)
    page = client.post(f"/patients/{record['patient']}/invitation").get_data(as_text=True)
    token = re.search(r"/portal/accept/([\w-]+)", page).group(1)
    patient = app.test_client()
    patient.post(f"/portal/accept/{token}", data={"email": "ann@example.test", "password": PASSWORD,
                                                  "confirm": PASSWORD})
    return patient


def test_patient_downloads_her_data_from_the_portal(app, client, staff, api, record):
    patient = _portal_patient(app, client, staff, record)
    # A right of access: it does not depend on the portal consent.
    api("POST", f"/api/v1/patients/{record['patient']}/consents/withdraw", json={"scopes": ["portal"]})
    # The withdrawal ended her portal sessions; she signs in again.
    assert patient.get("/portal").status_code == 302
    assert patient.post("/portal/login", data={"email": "ann@example.test", "password": PASSWORD}).status_code == 302
    assert patient.post("/portal/export").status_code == 302
    home = patient.get("/portal").get_data(as_text=True)
    link = re.search(r'href="(/portal/exports/(\d+)/download)"', home)
    assert link, home
    download = patient.get(link.group(1))
    assert download.status_code == 200 and download.mimetype == "application/zip"
    files = _read(download.data)
    assert len([n for n in files if n.startswith("photos/")]) == 2 and "README.txt" in files
    with app.app_context():
        actions = [e.action for e in get_db().query(AuditEvent).filter_by(actor=f"patient:{record['patient']}")]
        assert "request_export" in actions and "download_export" in actions
    assert app.test_client().get(link.group(1)).status_code == 302  # signed out: to the login
    with app.app_context():
        export = get_db().get(DataExport, int(link.group(2)))
        export.expires_at = utcnow() - timedelta(minutes=1)
        get_db().commit()
    expired = patient.get(link.group(1))
    assert expired.status_code == 410 and "Ask for a new one" in expired.get_data(as_text=True)


def test_large_archives_are_prepared_in_the_background(app, client, staff, record, monkeypatch):
    queued = []
    monkeypatch.setattr(app.extensions["gallery_queue"], "enqueue_export", queued.append)
    patient = _portal_patient(app, client, staff, record)
    patient.post("/portal/export")
    patient.post("/portal/export")  # asked twice while pending: still one archive
    assert len(queued) == 1
    home = patient.get("/portal").get_data(as_text=True)
    assert "Preparing your archive" in home and 'id="export-button"' not in home
    status = patient.get(f"/portal/exports/{queued[0]}.json").get_json()
    assert status == {"pending": True, "status": "pending"}
    assert patient.get(f"/portal/exports/{queued[0]}/download").status_code == 409
    app.extensions["gallery_queue"]._export.call_local(queued[0])  # the worker's job
    assert patient.get(f"/portal/exports/{queued[0]}.json").get_json()["pending"] is False
    assert patient.get(f"/portal/exports/{queued[0]}/download").status_code == 200


def test_another_patient_cannot_fetch_an_archive(app, client, staff, api, record):
    patient = _portal_patient(app, client, staff, record)
    patient.post("/portal/export")
    other = api("POST", "/api/v1/patients", json={"name": "Bo"}).get_json()["id"]
    page = client.post(f"/patients/{other}/invitation").get_data(as_text=True)
    token = re.search(r"/portal/accept/([\w-]+)", page).group(1)
    intruder = app.test_client()
    intruder.post(f"/portal/accept/{token}", data={"email": "bo@example.test", "password": PASSWORD,
                                                   "confirm": PASSWORD})
    assert intruder.get("/portal/exports/1/download").status_code == 404
    assert intruder.get("/portal/exports/1.json").status_code == 404


def test_store_check_keeps_an_archive_until_it_expires(app, client, staff, record, monkeypatch):
    patient = _portal_patient(app, client, staff, record)
    patient.post("/portal/export")
    later = utcnow() + GRACE * 2  # past the grace period for fresh blobs
    monkeypatch.setattr("gallery.store_check.utcnow", lambda: later)
    with app.app_context():
        export = get_db().query(DataExport).one()
        assert check_store(blob_store()).orphans == []  # kept while it can be downloaded
        export.expires_at = utcnow()
        get_db().commit()
        report = check_store(blob_store(), fix=True)
        assert report.orphans == [(export.sha256, "export")]
        assert not blob_store().exists(export.sha256, "export")


def test_archives_are_built_in_a_file_and_sent_in_chunks(app, client, staff, api, record, monkeypatch):
    """Attack on memory: an export with originals was built whole in memory (+110 MB for 100 MB) and
    read whole again to be downloaded. It is built in a temporary file, stored from it and streamed."""
    from gallery.patients import export as export_module
    from uploads.store import BlobStore

    staff.login(client)
    client.post("/admin/data-exports", data={"export_originals": "1"})
    built = []
    real_build = export_module.build_archive

    def recording_build(patient):
        archive = real_build(patient)
        built.append(archive)
        return archive

    monkeypatch.setattr(export_module, "build_archive", recording_build)
    monkeypatch.setattr("gallery.api.views.build_archive", recording_build)

    real_read = BlobStore.read

    def no_whole_read(self, sha256, variant):
        assert variant != "export", "an archive was read whole into memory"
        return real_read(self, sha256, variant)

    monkeypatch.setattr(BlobStore, "read", no_whole_read)
    response = api("GET", f"/api/v1/patients/{record['patient']}/export")
    assert response.is_streamed and response.status_code == 200
    files = _read(response.get_data())
    assert any(name.startswith("originals/") for name in files)
    assert built and built[0].fileno() >= 0 and not built[0].closed  # a real file, sent from disk
    response.close()  # as the server does once the last chunk is sent
    assert built[0].closed  # an anonymous temporary file: closed, it is gone
    patient = _portal_patient(app, client, staff, record)
    assert patient.post("/portal/export").status_code == 302
    link = re.search(r'href="(/portal/exports/\d+/download)"', patient.get("/portal").get_data(as_text=True))
    download = patient.get(link.group(1))
    assert download.is_streamed and _read(download.get_data()).keys() == files.keys()


def test_an_archive_goes_to_the_s3_store_and_back_in_chunks(s3_app, staff):
    app, _ = s3_app
    staff.create()
    api = api_caller(app, staff.token())
    patient = api("POST", "/api/v1/patients", json={"name": "Ann Lee"}).get_json()["id"]
    api("POST", f"/api/v1/patients/{patient}/photos", content_type="multipart/form-data",
        data={"file": (io.BytesIO(encode(astronaut(2.0), "JPEG")), "p.jpg"), "expression": "rest"})
    from gallery.models import Patient
    from gallery.patients.export import request_export, run_export

    with app.app_context():
        export = request_export(get_db().get(Patient, patient), by_patient=False)
        get_db().commit()
        run_export(export.id)
        export = get_db().get(DataExport, export.id)
        assert export.status == "ready"
        body = blob_store().open_blob(export.sha256, "export")
        data = b"".join(iter(lambda: body.read(64 * 1024), b""))
        body.close()
        assert len(data) == export.size_bytes and "README.txt" in _read(data)
        with pytest.raises(FileNotFoundError):
            blob_store().open_blob("0" * 64, "export")
