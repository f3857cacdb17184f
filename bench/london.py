"""The development half of the Face Research Lab London Set, as the benches read it.

DeBruine and Jones (2017), figshare doi:10.6084/m9.figshare.5047666.v5, CC BY 4.0:
51 adults at rest (``neutral/ID_03.jpg``) and smiling (``smiling/ID_08.jpg``),
1350 x 1350 px, their ages (``info.csv``) and 189 hand-placed points per at-rest
photo (``neutral/ID_03.tem``). Looked for at ``../shared/faces/london`` beside the
repository unless a bench is given ``--data DIR``.
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "faces" / "london"
SOURCE = "figshare (doi:10.6084/m9.figshare.5047666.v5)"
# Hand-placed points (README of the set): brows' upper edge image-left then image-right
# (tail to head, head to tail), the hairline from the image-left temple to the image-right one.
BROWS_UPPER = [71, 72, 73, 74, 75, 78, 79, 80, 81, 82]
HAIRLINE = list(range(134, 145))


def require(data: Path) -> None:
    """Exit with where to download the set when ``data`` does not hold it."""
    if not (data / "info.csv").exists():
        sys.exit(f"The London set is not at {data}: download it from {SOURCE} and pass --data.")


def ages(data: Path) -> dict[str, float | None]:
    """Self-reported age by face id (None where not given), ids sorted."""
    with (data / "info.csv").open() as handle:
        return {row["face_id"]: None if row["face_age"] == "NA" else float(row["face_age"])
                for row in sorted(csv.DictReader(handle), key=lambda r: r["face_id"])}


def load_points(path: Path) -> np.ndarray:
    """(189, 2) hand-placed points of a ``.tem`` file, in the photo's pixels."""
    lines = path.read_text().split("\n")
    count = int(lines[0])
    return np.array([[float(v) for v in line.split()[:2]] for line in lines[1:1 + count]])


def rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def neutral(data: Path, face_id: str) -> np.ndarray:
    return rgb(data / "neutral" / f"{face_id}_03.jpg")


def smiling(data: Path, face_id: str) -> np.ndarray:
    return rgb(data / "smiling" / f"{face_id}_08.jpg")


def neutral_points(data: Path, face_id: str) -> np.ndarray:
    return load_points(data / "neutral" / f"{face_id}_03.tem")


def recapture(image: np.ndarray, seed: int) -> np.ndarray:
    """The same face a few seconds later: moved a few pixels, a little nearer or
    further, rolled a degree or two, new sensor noise, saved as a phone JPEG."""
    rng = np.random.default_rng(seed)
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), rng.uniform(-2, 2), rng.uniform(0.96, 1.04))
    matrix[:, 2] += rng.uniform(-15, 15, 2)
    moved = cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    noisy = np.clip(moved + rng.normal(0, 2.0, moved.shape), 0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", noisy[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 92])
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)[..., ::-1].copy()
