"""Look at issue 30's movement in the app: a treatment visit and a review visit built from a real face.

A London development face at rest is the rest photo of both visits; its brows warped up 6 mm
(and the heads drawn together 3 mm, the lower lids lifted 3 mm) are the treatment visit's "raise"
(and "frown", "smile"), warped 2 mm (and 1 mm, 1 mm) the review's, 14 days later: about a third
of the movement kept. The app runs on a
local port with a fresh data directory; headless Chromium screenshots the photo page, the
comparison, the timeline's charts and the patient's portal at 1280 px and 390 px.

    python bench/movement_demo.py [--face ../shared/faces/london/neutral/002_03.jpg] [--out /tmp/wt-moveapp-shots]

Faces: Face Research Lab London Set (DeBruine and Jones 2017, CC BY 4.0); not part of the repository.
"""
from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np
from PIL import Image
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app import create_app  # noqa: E402
from gallery.auth import hash_password, new_api_token  # noqa: E402
from gallery.db import get_db  # noqa: E402
from gallery.models import Clinic, User, Visit  # noqa: E402
from landmarks.mesh import detect_faces  # noqa: E402
from landmarks.scale import mm_per_px  # noqa: E402
from tests.warps import move_brows, narrow_eyes  # noqa: E402

PASSWORD = "correct horse battery"
WIDTHS = (1280, 390)


def _jpeg(rgb: np.ndarray, quality: int = 92) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def build(app, face: Path) -> dict:
    """Staff, a patient with two visits of photos, a comparison, portal consent; returns ids and links."""
    with app.app_context():
        db = get_db()
        clinic = Clinic(name="Demo Clinic")
        db.add(clinic)
        db.flush()
        user = User(clinic_id=clinic.id, email="nurse@demo.test", name="Nurse Demo",
                    password_hash=hash_password(PASSWORD), role="injector")
        db.add(user)
        db.commit()
        token = new_api_token(user)
        db.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def api(method: str, path: str, **kwargs):
        response = client.open(path, method=method, headers=headers, **kwargs)
        assert response.status_code < 300, (path, response.status_code, response.get_data(as_text=True)[:300])
        return response.get_json()

    rest = np.asarray(Image.open(face).convert("RGB"))
    mesh = detect_faces(rest, symmetric=True).faces[0]
    scale = mm_per_px(mesh.xy)
    patient = api("POST", "/api/v1/patients", json={"name": "Dana Demo"})["id"]

    def upload(rgb: np.ndarray, expression: str, taken_at: str, quality: int = 92) -> dict:
        return api("POST", f"/api/v1/patients/{patient}/photos", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(_jpeg(rgb, quality)), f"{expression}.jpg"), "expression": expression,
                         "taken_at": taken_at})

    photos = {"rest": upload(rest, "rest", "2026-03-02T10:00:00"),
              "raise": upload(move_brows(rest, mesh.xy, scale, lift_mm=6.0), "raise", "2026-03-02T10:00:20"),
              "frown": upload(move_brows(rest, mesh.xy, scale, approach_mm=3.0), "frown", "2026-03-02T10:00:40"),
              "review_rest": upload(rest, "rest", "2026-03-16T10:00:00", quality=90),
              "review_raise": upload(move_brows(rest, mesh.xy, scale, lift_mm=2.0), "raise", "2026-03-16T10:00:20"),
              "smile": upload(narrow_eyes(rest, mesh.xy, scale, 3.0), "smile", "2026-03-02T10:01:00"),
              "review_frown": upload(move_brows(rest, mesh.xy, scale, approach_mm=1.0), "frown",
                                     "2026-03-16T10:00:40"),
              "review_smile": upload(narrow_eyes(rest, mesh.xy, scale, 1.0), "smile", "2026-03-16T10:01:00")}
    with app.app_context():
        get_db().get(Visit, photos["rest"]["visit_id"]).treated = True
        get_db().commit()
    comparison = api("POST", "/api/v1/comparisons", json={"before": photos["raise"]["id"],
                                                          "after": photos["review_raise"]["id"]})["id"]
    api("POST", f"/api/v1/patients/{patient}/consents",
        json={"scopes": ["clinical", "portal"], "signed_name": "Dana Demo", "text_version": "1"})
    invitation = api("POST", f"/api/v1/patients/{patient}/invitations")["url"]
    movement = api("GET", f"/api/v1/visits/{photos['review_raise']['visit_id']}/movement")
    for entry in movement["movements"]:
        for share in entry["kept"]:
            print(entry["expression"], share["name"], share["side"], share["position"], share["baseline_mm"],
                  share["review_mm"], share["kept_pct"], share["uncertainty_pct"], share["withheld"])
    return {"patient": patient, "photos": photos, "comparison": comparison,
            "invitation": re.sub(r"^https?://[^/]+", "", invitation)}


def shoot(base: str, ids: dict, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    pages = {"photo": f"/photos/{ids['photos']['review_raise']['id']}",
             "photo-frown": f"/photos/{ids['photos']['review_frown']['id']}",
             "photo-smile": f"/photos/{ids['photos']['review_smile']['id']}",
             "comparison": f"/comparisons/{ids['comparison']}",
             "timeline": f"/patients/{ids['patient']}"}
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        staff = browser.new_context(viewport={"width": 1280, "height": 900})
        page = staff.new_page()
        page.goto(base + "/login")
        page.fill("input[name=email]", "nurse@demo.test")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        patient = browser.new_context(viewport={"width": 1280, "height": 900})
        portal = patient.new_page()
        portal.goto(base + ids["invitation"])
        portal.fill("input[name=email]", "dana@demo.test")
        portal.fill("input[name=password]", PASSWORD)
        portal.fill("input[name=confirm]", PASSWORD)
        portal.click("button[type=submit]")
        portal.wait_for_load_state()
        for width in WIDTHS:
            for name, path in pages.items():
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(base + path)
                target = page.locator("#movement, #movement-chart").first
                target.scroll_into_view_if_needed()
                page.screenshot(path=str(out / f"{name}-{width}.png"), full_page=True)
                target.screenshot(path=str(out / f"{name}-{width}-movement.png"))
            portal.set_viewport_size({"width": width, "height": 900})
            portal.goto(base + "/portal")
            portal.screenshot(path=str(out / f"portal-{width}.png"), full_page=True)
            portal.locator("#progress").screenshot(path=str(out / f"portal-{width}-progress.png"))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--face", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "faces"
                        / "london" / "neutral" / "002_03.jpg")
    parser.add_argument("--out", type=Path, default=Path("/tmp/wt-moveapp-shots"))
    parser.add_argument("--port", type=int, default=5077)
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="movement-demo-")
    app = create_app({"GALLERY_DATA_DIR": data, "GALLERY_QUEUE_URL": "immediate", "RATELIMIT_ENABLED": False})
    ids = build(app, args.face)
    server = make_server("127.0.0.1", args.port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        shoot(f"http://127.0.0.1:{args.port}", ids, args.out)
    finally:
        server.shutdown()
    print(f"screenshots in {args.out}")


if __name__ == "__main__":
    main()
