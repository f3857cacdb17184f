"""Time to ingest a 12-megapixel JPEG against a bare decode of it.

Ingest = validate, decode, orient, derive display image and thumbnail, analyse,
and store original and derivatives on disk. Prints medians over repeated runs
and their ratio (machines here are noisy: compare the ratio, not seconds).

    python bench/ingest.py [--runs 7]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._photo import bare_decode, median_seconds, twelve_megapixel_jpeg  # noqa: E402
from uploads.ingest import UploadLimits, prepare, store_prepared  # noqa: E402
from uploads.store import BlobStore  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    data = twelve_megapixel_jpeg()
    limits = UploadLimits(max_bytes=100 * 1024 * 1024, max_pixels=100_000_000)
    prepare(data, limits)  # load the face model once, as a running server has

    def ingest() -> None:
        with tempfile.TemporaryDirectory() as folder:
            store_prepared(BlobStore(folder), prepare(data, limits))

    decode = median_seconds(lambda: bare_decode(data), runs)
    full = median_seconds(ingest, runs)
    print(f"12-megapixel JPEG: {len(data) / 1e6:.1f} MB, {runs} runs, medians")
    print(f"bare decode      {decode * 1000:8.0f} ms")
    print(f"full ingest      {full * 1000:8.0f} ms")
    print(f"ratio            {full / decode:8.2f} x")


if __name__ == "__main__":
    main()
