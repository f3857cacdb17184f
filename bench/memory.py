"""Peak memory of one gunicorn worker while four phones upload the largest photos at once.

Runs the production setup (``gunicorn -c gunicorn.conf.py``: gthread, 4 threads) with one
worker and the embedded queue, sends four concurrent uploads of a 40 MP JPEG through the
API, waits for their analyses, and prints the worker's peak resident memory (the kernel's
VmHWM) for each ``GALLERY_MAX_DECODES`` asked for: the figure the README states.

    python bench/memory.py [--megapixels 40] [--slots 1 2 4]
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._photo import encode, twelve_megapixel_rgb  # noqa: E402


def big_jpeg(megapixels: float, n: int) -> bytes:
    """A phone-like JPEG of ``megapixels``, made unique by its noise (so no upload is a duplicate)."""
    base = twelve_megapixel_rgb()
    scale = (megapixels * 1e6 / (base.shape[0] * base.shape[1])) ** 0.5
    rgb = cv2.resize(base, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    rgb = np.clip(rgb.astype(np.int16) + np.random.default_rng(n).integers(-2, 3, rgb.shape), 0, 255).astype(np.uint8)
    return encode(rgb, "jpeg")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _peak_kb(pid: int) -> int:
    return int(re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text()).group(1))


def run(slots: int, photos: list[bytes], max_pixels: int) -> tuple[int, float]:
    """Peak RSS of the worker (MB) and the seconds until all four photos are analysed."""
    data_dir = tempfile.mkdtemp(prefix="bench-memory-")
    env = {**os.environ, "GALLERY_DATA_DIR": data_dir, "GALLERY_MAX_DECODES": str(slots),
           "GALLERY_MAX_PIXELS": str(max_pixels), "GALLERY_MAX_UPLOAD_MB": "60", "WEB_CONCURRENCY": "1"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "create-user", "bench@clinic.test", "--role",
                    "admin", "--clinic", "Bench", "--name", "Bench Admin", "--password-stdin"], input="bench password 123\n", text=True,
                   env=env, cwd=ROOT, check=True, capture_output=True)
    token = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "create-token", "bench@clinic.test"],
                           env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind",
                               f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "app:create_app()"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{base}/login", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.3)
        worker = int(subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()[0])
        patient = requests.post(f"{base}/api/v1/patients", json={"name": "Bench"}, headers=headers).json()["id"]
        started = time.perf_counter()

        def upload(data: bytes) -> int:
            response = requests.post(f"{base}/api/v1/patients/{patient}/photos", headers=headers, timeout=300,
                                     files={"file": ("p.jpg", data, "image/jpeg")}, data={"expression": "rest"})
            response.raise_for_status()
            return response.json()["id"]

        with concurrent.futures.ThreadPoolExecutor(len(photos)) as pool:
            ids = list(pool.map(upload, photos))
        while any(requests.get(f"{base}/api/v1/photos/{i}", headers=headers).json()["analysis_status"] == "pending"
                  for i in ids):
            time.sleep(0.5)
        return _peak_kb(worker) // 1024, time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megapixels", type=float, default=40)
    parser.add_argument("--uploads", type=int, default=4)
    parser.add_argument("--slots", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    photos = [big_jpeg(args.megapixels, n) for n in range(args.uploads)]
    print(f"{args.uploads} concurrent uploads of a {args.megapixels:.0f} MP JPEG "
          f"({len(photos[0]) / 1e6:.1f} MB), one gunicorn worker (gthread, 4 threads)")
    for slots in args.slots:
        peak_mb, seconds = run(slots, photos, max_pixels=int(args.megapixels * 1e6 * 1.05))
        print(f"  GALLERY_MAX_DECODES={slots}: worker peak {peak_mb} MB, all analysed in {seconds:.1f} s")


if __name__ == "__main__":
    main()
