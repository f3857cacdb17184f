"""Analysis time per photo (12-megapixel JPEG) against a bare decode of it.

Analysis = face mesh, scale, pose, quality, expression and regions on the
display image, as ingestion runs it. Prints medians and their ratio.

    python bench/analyse.py [--runs 7]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._photo import bare_decode, median_seconds, twelve_megapixel_jpeg  # noqa: E402
from landmarks import analyse  # noqa: E402
from uploads.decode import open_upright  # noqa: E402
from uploads.derive import display_image  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    data = twelve_megapixel_jpeg()
    display = np.asarray(display_image(open_upright(data, "jpeg", max_pixels=100_000_000)[0]))
    result = analyse(display)  # load the face model once, as a running server has
    assert result.face_found, "the benchmark photo must show a face"

    decoding = median_seconds(lambda: bare_decode(data), runs)
    analysis = median_seconds(lambda: analyse(display), runs)
    print(f"12-megapixel JPEG, display image {display.shape[1]} x {display.shape[0]}, {runs} runs, medians")
    print(f"bare decode      {decoding * 1000:8.0f} ms")
    print(f"analysis         {analysis * 1000:8.0f} ms")
    print(f"ratio            {analysis / decoding:8.2f} x")


if __name__ == "__main__":
    main()
