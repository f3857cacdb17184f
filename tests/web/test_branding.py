"""The clinic's name and logo: an admin uploads them (bad files refused with a reason), and
patients and the public see them in the portal, on public pages and share links, as the sender
of emails (read from the real SMTP server) and on downloads (the visit report, comparison PNGs)."""
from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from gallery.db import get_db
from gallery.models import AuditEvent, Clinic, Comparison
from gallery.store_check import check_store
from landmarks.compose import FOOTER_PX
from tests.conftest import Staff
from tests.images import astronaut, encode
from tests.web.helpers import api_caller, create_patient
from tests.web.test_patient_messages import SHARE, shared_case  # noqa: F401 (a fixture)

LOGO_URL = re.compile(r'<img class="clinic-logo" src="(/clinic-logo/[0-9a-f]{64}\.png)" alt="">')


def _logo_png(width: int = 900, height: int = 300) -> bytes:
    """A wide two-colour mark with a transparent corner, as a clinic's logo file would be."""
    rgba = np.zeros((height, width, 4), np.uint8)
    rgba[..., :3] = (20, 90, 160)
    rgba[..., 3] = 255
    rgba[: height // 3, : width // 3, 3] = 0
    out = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(out, "PNG")
    return out.getvalue()


def _admin(app):
    staff = Staff(app)
    staff.create("admin@clinic-a.test", role="admin")
    return staff.login(app.test_client(), "admin@clinic-a.test")


def _brand(client, name: str = "Lakeside Skin Clinic", logo: bytes | None = None, filename: str = "logo.png"):
    data = {"name": name}
    if logo is not None:
        data["logo"] = (io.BytesIO(logo), filename)
    return client.post("/admin/branding", data=data, content_type="multipart/form-data")


def test_an_admin_sets_the_name_and_a_logo_stored_re_encoded(app):
    admin = _admin(app)
    original = _logo_png()
    response = _brand(admin, logo=original)
    assert response.status_code == 302
    page = admin.get("/admin/branding").get_data(as_text=True)
    assert 'value="Lakeside Skin Clinic"' in page and 'id="current-logo"' in page
    with app.app_context():
        clinic = get_db().get(Clinic, 1)
        assert clinic.name == "Lakeside Skin Clinic"
        url = f"/clinic-logo/{clinic.logo_sha256}.png"
        assert get_db().scalar(select(AuditEvent.action).where(AuditEvent.action == "branding")) == "branding"
    served = app.test_client().get(url)  # public: the portal's and the gallery's visitors see it
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.data != original
    logo = Image.open(io.BytesIO(served.data))
    assert logo.size == (600, 200) and logo.mode == "RGBA" and logo.getpixel((0, 0))[3] == 0
    assert app.test_client().get("/clinic-logo/" + "0" * 64 + ".png").status_code == 404
    with app.app_context():  # the logo is not an orphan blob for check-store
        report = check_store(app.extensions["gallery_store"], fix=True)
        assert report.orphan_count == 0 and report.recent_orphans == 0


@pytest.mark.parametrize(("data", "filename", "status", "message"), [
    (b"just some words, not a picture", "logo.png", 415, "A logo must be a PNG or JPEG image."),
    (encode(astronaut(0.1), "WEBP"), "logo.webp", 415, "A logo must be a PNG or JPEG image."),
    (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "logo.svg", 415, "A logo must be a PNG or JPEG image."),
    (_logo_png()[:200], "logo.png", 422, "The logo could not be read"),
    (_logo_png(4200, 100), "logo.png", 413, "The logo is 4200 x 100 pixels"),
])
def test_a_bad_logo_file_is_refused_with_its_reason(app, data, filename, status, message):
    admin = _admin(app)
    response = _brand(admin, logo=data, filename=filename)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    with app.app_context():
        clinic = get_db().get(Clinic, 1)
        assert clinic.logo_sha256 is None and clinic.name == "Clinic A"  # nothing changed


def test_a_logo_over_the_size_limit_and_an_empty_name_are_refused(make_app):
    app = make_app(GALLERY_LOGO_MAX_KB=2)
    admin = _admin(app)
    response = _brand(admin, logo=encode(astronaut(0.5), "JPEG"), filename="logo.jpg")
    assert response.status_code == 413 and "the largest accepted is 2 kB" in response.get_data(as_text=True)
    response = _brand(admin, name="   ")
    assert response.status_code == 422 and "Give the clinic&#39;s name" in response.get_data(as_text=True)


def test_only_an_admin_changes_the_branding(app, logged_in):
    assert logged_in.get("/admin/branding").status_code == 403
    assert _brand(logged_in).status_code == 403


def test_the_name_and_logo_reach_the_portal_public_pages_share_links_emails_and_downloads(shared_case):  # noqa: F811
    app, outbox, client, comparison = shared_case
    admin = _admin(app)
    assert _brand(admin, logo=_logo_png()).status_code == 302
    # The portal, signed in as the patient.
    patient = app.test_client()
    assert patient.post("/portal/login", data={"email": "ann@example.test",
                                               "password": "correct horse battery"}).status_code == 302
    for path in ("/portal", f"/portal/comparisons/{comparison}", "/portal/consents/give"):
        page = patient.get(path).get_data(as_text=True)
        assert '<span class="clinic-name">Lakeside Skin Clinic</span>' in page and LOGO_URL.search(page), path
    # A share link, emailed from the clinic's new name.
    response = client.post(f"/comparisons/{comparison}/share-links",
                           data={"expires_in_days": "7", "email": "ann@example.test"})
    (message,) = outbox.to("ann@example.test")
    assert message["From"].addresses[0].display_name == "Lakeside Skin Clinic"
    assert "Lakeside Skin Clinic" in message.get_content() and not message.is_multipart()  # no logo in email
    shared = app.test_client().get(SHARE.search(response.get_data(as_text=True)).group(1)).get_data(as_text=True)
    assert "Lakeside Skin Clinic" in shared and LOGO_URL.search(shared)
    # The public gallery and its case page.
    api = api_caller(app, Staff(app).token())
    with app.app_context():
        patient_id = get_db().get(Comparison, comparison).patient_id
    api("POST", f"/api/v1/patients/{patient_id}/consents", json={
        "scopes": ["marketing"], "marketing_identifiable": True, "signed_name": "Ann Lee", "text_version": "1"})
    assert api("POST", f"/api/v1/comparisons/{comparison}/publish").status_code == 200
    for path in ("/gallery", f"/gallery/{comparison}"):
        page = app.test_client().get(path).get_data(as_text=True)
        assert '<span class="clinic-name">Lakeside Skin Clinic</span>' in page and LOGO_URL.search(page), path
    # Downloads: the comparison PNG's footer, the visit report's header.
    png = client.get(f"/comparisons/{comparison}/image?layout=side&download=1")
    image = np.asarray(Image.open(io.BytesIO(png.data)))
    band = image[-FOOTER_PX:]
    assert (band < 128).any() and (image[-FOOTER_PX:, image.shape[1] // 2:] == 255).all()  # text at the left
    on_page = np.asarray(Image.open(io.BytesIO(client.get(f"/comparisons/{comparison}/image?layout=side").data)))
    assert on_page.shape[0] == image.shape[0] - FOOTER_PX  # shown in the app without it
    visit = api("GET", f"/api/v1/patients/{patient_id}").get_json()["visits"][0]["id"]
    report = PdfReader(io.BytesIO(api("GET", f"/api/v1/visits/{visit}/report.pdf").data))
    first = report.pages[0]
    assert "Lakeside Skin Clinic: visit report" in first.extract_text()
    assert any(img.image.size == (600, 200) for img in first.images)


def test_without_a_logo_pages_carry_the_name_alone(app):
    admin = _admin(app)
    assert _brand(admin, name="Lakeside Skin Clinic").status_code == 302
    create_patient(admin)
    page = app.test_client().get("/gallery").get_data(as_text=True)
    assert '<span class="clinic-name">Lakeside Skin Clinic</span>' in page and not LOGO_URL.search(page)
