"""A real crash: the server is killed (SIGKILL) in the middle of uploads, then check-store runs.

Every photo row that committed must have its blobs (nothing half-written that a page
would serve as broken); blobs of the uploads cut off are at worst orphans, which
check-store finds and, past the grace period, removes. The app starts again on the
same data and serves what was committed.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from tests.images import astronaut, encode

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _flask(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(env: dict[str, str], port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "run", "--port", str(port)], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            requests.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return server
        except requests.ConnectionError:
            time.sleep(0.1)
    server.kill()
    pytest.fail("the app did not start")


def test_kill_9_during_uploads_leaves_nothing_half_written(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GALLERY_", "DATABASE_URL"))}
    env.update(GALLERY_DATA_DIR=str(tmp_path / "data"), GALLERY_QUEUE_URL="immediate")
    assert _flask(env, "create-user", "a@clinic.test", "--role", "admin", "--clinic", "C", "--name", "A Admin",
                  "--password-stdin", stdin="a long enough password\n").returncode == 0
    token = _flask(env, "create-token", "a@clinic.test").stdout.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    photos = [encode(astronaut(2.0 + i / 10), "JPEG") for i in range(12)]  # distinct bytes, analysed inline

    port = _free_port()
    server = _serve(env, port)
    base = f"http://127.0.0.1:{port}/api/v1"
    patient = requests.post(f"{base}/patients", json={"name": "Crash"}, headers=headers, timeout=10).json()["id"]
    answered = []

    def upload_all() -> None:
        for data in photos:
            try:
                response = requests.post(f"{base}/patients/{patient}/photos", headers=headers, timeout=60,
                                         files={"file": ("p.jpg", data, "image/jpeg")}, data={"expression": "rest"})
                answered.append(response.status_code)
            except requests.RequestException:
                return  # the server is gone

    uploader = threading.Thread(target=upload_all)
    uploader.start()
    while len(answered) < 3 and uploader.is_alive():
        time.sleep(0.05)
    time.sleep(0.3)  # into the middle of the next upload (decode, store, analyse, commit)
    os.kill(server.pid, signal.SIGKILL)
    server.wait()
    uploader.join()
    assert 3 <= len(answered) < len(photos) and set(answered) == {201}

    report = _flask(env, "check-store")
    assert report.returncode == 0, report.stdout + report.stderr  # no photo row is missing a blob
    assert "0 missing" in report.stdout
    server = _serve(env, port)
    try:
        listed = requests.get(f"{base}/patients/{patient}", headers=headers, timeout=10).json()["photo_ids"]
        assert len(listed) >= len(answered)  # every answered upload survived (one cut off may have committed)
        for photo_id in listed:
            thumb = requests.get(f"{base}/photos/{photo_id}/image", params={"variant": "thumb"}, headers=headers,
                                 timeout=10)
            assert thumb.status_code == 200 and thumb.content[:2] == b"\xff\xd8"
    finally:
        server.kill()
        server.wait()
