"""Pages and images per second under gunicorn, against a hello-world Flask app under the same settings.

Also: the latency of a public case image under 10 anonymous clients, with a staff client on
the API at the same time.

Seeds a data directory (50 patients; one of them with 100 photos over 25 visits),
starts gunicorn with the repository's gunicorn.conf.py for the app and for
bench/hello_app.py, and drives each with 20 concurrent clients for a few
seconds: the patients list, a thumbnail, and hello-world. Prints requests per
second and the ratios (compare ratios: the machine is shared), then the server
time of the 100-photo timeline, rendered in-process.

    python bench/serve.py [--seconds 8] [--clients 20] [--workers 2]
"""
from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from tests.images import astronaut_jpeg  # noqa: E402

EMAIL, PASSWORD = "bench@example.test", "bench password 123"


def seed(data_dir: str) -> tuple[int, int, int, str]:
    """The bench clinic; returns the patient with 100 photos, one of their photos, a published
    comparison of two of them, and an API token."""
    from app import create_app
    from gallery.auth import hash_password, new_api_token
    from gallery.db import get_db
    from gallery.models import Clinic, Patient, Photo, User, Visit

    app = create_app({"GALLERY_DATA_DIR": data_dir, "GALLERY_QUEUE_URL": "immediate", "RATELIMIT_ENABLED": False})
    with app.app_context():
        db = get_db()
        clinic = Clinic(name="Bench")
        db.add(clinic)
        db.flush()
        user = User(clinic_id=clinic.id, email=EMAIL, password_hash=hash_password(PASSWORD), role="admin")
        db.add(user)
        db.flush()
        token = new_api_token(user)
        db.add_all(Patient(clinic_id=clinic.id, name=f"Patient {n:02d}") for n in range(49))
        db.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    patient = client.post("/api/v1/patients", json={"name": "Many Photos"}, headers=headers).get_json()["id"]
    first = client.post(f"/api/v1/patients/{patient}/photos", headers=headers, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(astronaut_jpeg(4.0)), "p.jpg"), "expression": "frown",
                              "taken_at": "2025-01-01"}).get_json()
    assert first["analysis_status"] == "done", first
    with app.app_context():  # 99 more like it (own blobs, own rows), four per visit
        db = get_db()
        store = app.extensions["gallery_store"]
        source = db.get(Photo, first["id"])
        blobs = {v: store.read(source.sha256, v) for v in ("original", "display", "thumb", "lines")}
        for n in range(1, 100):
            sha = hashlib.sha256(f"bench photo {n}".encode()).hexdigest()
            for variant, data in blobs.items():
                store.put(sha, variant, data)
            day = datetime(2025, 1, 1) + timedelta(days=14 * (n // 4))
            visit = db.query(Visit).filter_by(patient_id=patient, visit_date=day.date()).one_or_none()
            if visit is None:
                visit = Visit(clinic_id=source.clinic_id, patient_id=patient, visit_date=day.date())
                db.add(visit)
                db.flush()
            photo = Photo(clinic_id=source.clinic_id, patient_id=patient, visit_id=visit.id, sha256=sha,
                          content_type="image/jpeg", original_size=source.original_size, width=source.width,
                          height=source.height, taken_at=day + timedelta(minutes=n % 4),
                          expression=("rest", "frown", "raise", "smile")[n % 4])
            photo.record_analysis(source.analysis, source.analysis_version)
            db.add(photo)
        db.commit()
    comparison = client.post("/api/v1/comparisons", json={"before": first["id"], "after": first["id"] + 4},
                             headers=headers).get_json()["id"]
    client.post(f"/api/v1/patients/{patient}/consents", headers=headers,
                json={"scopes": ["clinical", "marketing"], "signed_name": "Many Photos", "text_version": "1"})
    assert client.post(f"/api/v1/comparisons/{comparison}/publish", headers=headers).status_code == 200
    app.extensions["gallery_engine"].dispose()
    return patient, first["id"], comparison, token


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn(target: str, workers: int, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--access-logfile", "/dev/null", target],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            requests.get(url + "/", timeout=5)
            return process, url
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"gunicorn {target} did not start")


def logged_in(url: str) -> requests.Session:
    session = requests.Session()
    page = session.get(url + "/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
    csrf = next(group for group in token.groups() if group)
    response = session.post(url + "/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": csrf},
                            allow_redirects=False)
    assert response.status_code == 302, response.text[:300]
    return session


def load(url: str, clients: int, seconds: float, *, cookies: dict[str, str] | None = None,
         headers: dict[str, str] | None = None) -> list[float]:
    """Seconds per request of ``clients`` threads hitting ``url`` for ``seconds`` (own connections)."""
    times: list[float] = []
    stop = time.monotonic() + seconds

    def client() -> None:
        session = requests.Session()
        session.cookies.update(cookies or {})
        while time.monotonic() < stop:
            start = time.perf_counter()
            response = session.get(url, headers=headers)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, (url, response.status_code)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


def rate(url: str, cookies: dict[str, str], clients: int, seconds: float) -> float:
    """Requests per second from ``clients`` threads."""
    return len(load(url, clients, seconds, cookies=cookies)) / seconds


def crowd_and_staff(public_url: str, staff_url: str, token: str, seconds: float) -> tuple[float, float]:
    """10 anonymous clients on a public image while one staff client uses the API:
    (median public latency, 95th percentile staff latency), in ms."""
    staff: list[float] = []
    worker = threading.Thread(target=lambda: staff.extend(
        load(staff_url, 1, seconds, headers={"Authorization": f"Bearer {token}"})))
    worker.start()
    public = load(public_url, 10, seconds)
    worker.join()
    return statistics.median(public) * 1000, sorted(staff)[int(len(staff) * 0.95)] * 1000


def timeline_ms(data_dir: str, patient: int, runs: int = 15) -> float:
    from app import create_app

    app = create_app({"GALLERY_DATA_DIR": data_dir, "GALLERY_QUEUE_URL": "immediate", "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    times = []
    for _ in range(runs + 2):
        start = time.perf_counter()
        response = client.get(f"/patients/{patient}")
        times.append(time.perf_counter() - start)
        assert response.status_code == 200 and response.get_data().count(b'class="photo-card"') == 100
    return statistics.median(times[2:]) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp()
    patient, photo, comparison, token = seed(data_dir)
    env = {"GALLERY_DATA_DIR": data_dir, "GALLERY_LOGIN_RATE_LIMIT": "1000 per minute",
           "GALLERY_PUBLIC_RATE_LIMIT": "100000 per minute"}  # one address plays the whole crowd
    app_server, app_url = gunicorn("app:create_app()", args.workers, env)
    hello_server, hello_url = gunicorn("bench.hello_app:app", args.workers, env)
    try:
        cookies = logged_in(app_url).cookies.get_dict()
        hello = rate(hello_url + "/", {}, args.clients, args.seconds)
        patients = rate(app_url + "/patients", cookies, args.clients, args.seconds)
        thumbs = rate(f"{app_url}/photos/{photo}/image/thumb", cookies, args.clients, args.seconds)
        public_ms, staff_ms = crowd_and_staff(f"{app_url}/gallery/{comparison}/image.png",
                                              f"{app_url}/api/v1/patients", token, args.seconds)
    finally:
        for server in (app_server, hello_server):
            server.terminate()
            server.wait(30)
    print(f"gunicorn, {args.workers} workers x 4 threads, {args.clients} concurrent clients, {args.seconds:.0f} s each")
    print(f"hello-world Flask   {hello:8.0f} req/s")
    print(f"patients list (50)  {patients:8.0f} req/s   {patients / hello:5.2f} x hello-world")
    print(f"thumbnail           {thumbs:8.0f} req/s   {thumbs / hello:5.2f} x hello-world")
    print(f"public image, 10 anonymous clients: median {public_ms:.0f} ms; "
          f"staff API meanwhile: 95th percentile {staff_ms:.0f} ms")
    print(f"timeline, 100 photos: {timeline_ms(data_dir, patient):.0f} ms server time (median, in-process)")


if __name__ == "__main__":
    main()
