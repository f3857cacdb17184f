"""Time to 201 for a 12-megapixel upload, against a bare full decode of the same file.

The upload goes through the real API (multipart body, token, validation of the
whole file, decode to display size, display image and thumbnail, store, database
row) on an app with the embedded queue and SQLite; its analysis thread is held
back so it does not share the CPU with the timed request, and the analysis is
then timed on its own: upload + analysis is the time until a photo is done on an
idle worker. Prints medians over repeated runs and the ratios (machines here
are noisy: compare the ratios, not the seconds).

``--s3`` stores on an S3-compatible server (moto's, started here on this host) instead
of a folder: the upload's objects (original, display, thumbnail) are PUT side by side.

    python bench/ingest.py [--runs 9] [--s3]
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._photo import bare_decode, encode, median_seconds, twelve_megapixel_rgb  # noqa: E402
from uploads.decode import decode  # noqa: E402


def _unique(data: bytes, n: int) -> bytes:
    """The same photo with a JPEG/PNG-neutral difference, so no upload is a duplicate."""
    if data[:2] == b"\xff\xd8":  # a JPEG comment segment right after the start marker
        comment = f"run {n}".encode()
        return data[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + data[2:]
    return data + f"run {n}".encode()  # trailing bytes after PNG IEND / inside the RIFF/ISO size are ignored


BOUNDARY = "bench-boundary-7f3a"


def _multipart(photo: bytes) -> bytes:
    """The request body a phone sends: the photo and the expression."""
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"expression\"\r\n\r\nrest\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    return head + photo + f"\r\n--{BOUNDARY}--\r\n".encode()


@contextmanager
def s3_store() -> Iterator[str]:
    """moto's S3-compatible server on a free port, its endpoint in the environment boto3 reads;
    yields the store URL of a new bucket."""
    import boto3

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        os.environ.update(AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", AWS_ACCESS_KEY_ID="bench",
                          AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
        bucket = f"bench-{uuid.uuid4().hex[:8]}"
        boto3.client("s3").create_bucket(Bucket=bucket)
        yield f"s3://{bucket}/ingest"
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--s3", action="store_true", help="store on a local S3-compatible server (moto)")
    args = parser.parse_args()
    if args.s3:
        with s3_store() as url:
            run(args.runs, {"GALLERY_STORE_URL": url})
    else:
        run(args.runs, {})


def run(runs: int, store: dict[str, str]) -> None:

    from app import create_app
    from gallery.auth import new_api_token
    from gallery.db import get_db
    from gallery.models import Clinic, User
    from gallery.photos.analysis import run_analysis
    from gallery.queue import JobQueue

    JobQueue.start_in_process = lambda self: None  # held back: analyses are timed separately below
    app = create_app({"GALLERY_DATA_DIR": tempfile.mkdtemp(), "RATELIMIT_ENABLED": False, **store})
    with app.app_context():
        db = get_db()
        clinic = Clinic(name="Bench")
        db.add(clinic)
        db.flush()
        user = User(clinic_id=clinic.id, email="bench@example.test", password_hash="-", role="admin")
        db.add(user)
        db.flush()
        token = new_api_token(user)
        db.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    patient = client.post("/api/v1/patients", json={"name": "Bench"}, headers=headers).get_json()["id"]
    uploaded: list[int] = []

    def upload(body: bytes) -> None:
        response = client.post(f"/api/v1/patients/{patient}/photos", headers=headers,
                               content_type=f"multipart/form-data; boundary={BOUNDARY}", data=body)
        assert response.status_code == 201, response.get_json()
        uploaded.append(response.get_json()["id"])

    rgb = twelve_megapixel_rgb()
    print(f"12-megapixel photo ({rgb.shape[1]} x {rgb.shape[0]}), {runs} runs, medians; store: "
          f"{store.get('GALLERY_STORE_URL') or 'a folder'}, queue: the embedded one")
    print(f"{'format':8} {'MB':>5} {'bare decode':>12} {'time to 201':>12} {'ratio':>6}   reference decoder")
    for kind in ("jpeg", "png", "webp", "heif"):
        data = encode(rgb, kind)
        if kind == "heif":  # OpenCV has no HEIC decoder: the reference is libheif's own full decode
            reference, name = (lambda: decode(data, "heif", max_pixels=100_000_000)), "pillow-heif"
        else:
            reference, name = (lambda: bare_decode(data)), "cv2.imdecode"
        upload(_multipart(_unique(data, -1)))  # warm up caches and the code path
        bodies = [_multipart(_unique(data, n)) for n in range(runs)]  # encoded ahead: the client's work
        decodes, uploads = [], []
        for body in bodies:  # interleaved, so both see the same machine
            decodes.append(median_seconds(reference, 1))
            uploads.append(median_seconds(lambda: upload(body), 1))
        decoding, to_201 = statistics.median(decodes), statistics.median(uploads)
        print(f"{kind:8} {len(data) / 1e6:5.1f} {decoding * 1000:9.0f} ms {to_201 * 1000:9.0f} ms "
              f"{to_201 / decoding:6.2f}   {name}")
        if kind == "jpeg":
            jpeg_201, jpeg_decode = to_201, decoding

    with app.app_context():  # the held-back JPEG analyses, one at a time, as an idle worker runs them
        times = []
        for photo_id in uploaded[1:runs + 1]:
            start = time.perf_counter()
            run_analysis(photo_id)
            times.append(time.perf_counter() - start)
    jpeg_analysis = sorted(times)[len(times) // 2]
    print(f"JPEG: time to 201 {jpeg_201 * 1000:.0f} ms = {jpeg_201 / jpeg_decode:.2f} x a bare decode; "
          f"analysis done {(jpeg_201 + jpeg_analysis) * 1000:.0f} ms after the upload started "
          f"(analysis {jpeg_analysis * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
