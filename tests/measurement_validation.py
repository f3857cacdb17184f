"""The measurement validation set: real skin, camera changes, drawn and smoothed lines.

Used by ``tests/unit/test_measurement.py`` (which asserts) and
``bench/measure.py`` (which prints the figures). Faces are public-domain
photos the project ships: the portrait in ``tests/data/obama3.jpg`` (see its NOTICE) and
scikit-image's astronaut with her forehead bared (``wrinkle_validation``).
Both are upsampled to reach the measurement standard: that adds no detail, so
they test invariance and the response to drawn lines, not fine-line recall.

Camera changes are the ones phones and rooms vary by: a tone curve
``255 (I / 255)^g``, an exposure gain, sensor noise, JPEG quality, resolution.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from landmarks import Analysis, analyse
from landmarks.anatomy import NASION, FaceFrame
from landmarks.masks import polygon_mask
from landmarks.wrinkles import meets_standard
from tests.synthetic import DrawnLine, draw_lines

FACES_DIR = Path(__file__).resolve().parent / "data"
PORTRAIT = FACES_DIR / "obama3.jpg"
CUT_FACE = FACES_DIR / "obama_partial_face.jpg"


@cache
def portrait(scale: float = 2.0) -> np.ndarray:
    """The portrait's head and shoulders (rows 0-1100 of 1434 x 2333), upsampled
    by ``scale``: about 0.25 mm per pixel at 2x."""
    rgb = np.asarray(Image.open(PORTRAIT).convert("RGB"))[:1100]
    return cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)


@cache
def cut_face() -> np.ndarray:
    """A smiling face facing the camera, cut down the middle by the photo's edge (491 x 1137),
    its ear in view beside the eye."""
    return np.asarray(Image.open(CUT_FACE).convert("RGB"))


def gamma(rgb: np.ndarray, g: float) -> np.ndarray:
    return np.clip(255.0 * (rgb / 255.0) ** g + 0.5, 0, 255).astype(np.uint8)


def exposure(rgb: np.ndarray, gain: float) -> np.ndarray:
    return np.clip(rgb * gain + 0.5, 0, 255).astype(np.uint8)


def noise(rgb: np.ndarray, sigma: float, seed: int = 1) -> np.ndarray:
    noisy = rgb + np.random.default_rng(seed).normal(0, sigma, rgb.shape)
    return np.clip(noisy + 0.5, 0, 255).astype(np.uint8)


def jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def resize(rgb: np.ndarray, factor: float) -> np.ndarray:
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    return cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=interpolation)


CAMERA_CHANGES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "gamma 0.8": lambda rgb: gamma(rgb, 0.8),
    "gamma 1.25": lambda rgb: gamma(rgb, 1.25),
    "exposure -20 %": lambda rgb: exposure(rgb, 0.8),
    "exposure +20 %": lambda rgb: exposure(rgb, 1.2),
    "noise sigma 2": lambda rgb: noise(rgb, 2.0),
    "noise sigma 4": lambda rgb: noise(rgb, 4.0),
    "JPEG 60": lambda rgb: jpeg(rgb, 60),
    "JPEG 90": lambda rgb: jpeg(rgb, 90),
    "resolution x0.75": lambda rgb: resize(rgb, 0.75),
    "resolution x1.5": lambda rgb: resize(rgb, 1.5),
}


def indices(analysis: Analysis) -> dict[str, float]:
    return {name: m.wrinkle_index for name, m in analysis.lines.items()}


def change_pct(after: float, before: float) -> float:
    return 100.0 * (after - before) / before if before else (0.0 if after == 0 else float("inf"))


def forehead_lines(analysis: Analysis, depth: float, *, count: int = 3) -> list[DrawnLine]:
    """``count`` lines across the forehead, 0.8 mm wide, evenly between the brows
    and the region's top, from brow tail to brow tail (working-image pixels)."""
    xy, mm = analysis.landmarks, analysis.mm_per_px
    polygon = np.asarray(analysis.regions["forehead"].polygon)
    brow_top = float(min(xy[105, 1], xy[334, 1]))
    top = float(polygon[:, 1].min())
    lines = []
    for k in range(1, count + 1):
        y = brow_top - (brow_top - top) * k / (count + 1)
        lines.append(DrawnLine((float(xy[70, 0]), y), (float(xy[300, 0]), y), 0.8 / mm, depth))
    return lines


def frown_lines(analysis: Analysis, depth: float) -> list[DrawnLine]:
    """Two vertical frown lines 0.8 mm wide, 4 mm either side of the midline, from
    4 to 16 mm above the nasion and fanning slightly outwards (working-image pixels)."""
    frame = FaceFrame.from_landmarks(analysis.landmarks, analysis.mm_per_px)
    nasion_x, nasion_y = frame.to_mm(analysis.landmarks[[NASION]])[0]
    lines = []
    for side in (-4.0, 4.0):
        ends = frame.to_px(np.array([[nasion_x + side, nasion_y + 4.0], [nasion_x + 1.2 * side, nasion_y + 16.0]]))
        lines.append(DrawnLine(tuple(ends[0]), tuple(ends[1]), 0.8 / analysis.mm_per_px, depth))
    return lines


def procerus_line(analysis: Analysis, depth: float) -> DrawnLine:
    """A horizontal line 0.8 mm wide and 8 mm long across the nasal root, 1 mm above
    the nasion, where the procerus creases the skin (working-image pixels)."""
    frame = FaceFrame.from_landmarks(analysis.landmarks, analysis.mm_per_px)
    nasion_x, nasion_y = frame.to_mm(analysis.landmarks[[NASION]])[0]
    ends = frame.to_px(np.array([[nasion_x - 4.0, nasion_y + 1.0], [nasion_x + 4.0, nasion_y + 1.0]]))
    return DrawnLine(tuple(ends[0]), tuple(ends[1]), 0.8 / analysis.mm_per_px, depth)


def draw_on(rgb: np.ndarray, analysis: Analysis, lines: list[DrawnLine]) -> np.ndarray:
    """``rgb`` (the original) with ``lines`` (working-image pixels) drawn at its resolution."""
    factor = rgb.shape[1] / analysis.width
    return draw_lines(rgb, [DrawnLine(tuple(np.multiply(line.start, factor)), tuple(np.multiply(line.end, factor)),
                                      line.width_px * factor, line.depth) for line in lines])


def with_forehead_lines(rgb: np.ndarray, analysis: Analysis, depth: float) -> np.ndarray:
    """``rgb`` (the original) with ``forehead_lines`` drawn at its resolution."""
    return draw_on(rgb, analysis, forehead_lines(analysis, depth))


def with_baseline_lines(rgb: np.ndarray, analysis: Analysis) -> np.ndarray:
    """``rgb`` with faint lines to measure changes against: forehead lines 15 % deep
    and frown lines 20 % deep.

    The portrait's forehead and glabella are smooth at rest. The index of a lineless
    region (about 2) is a few texture fragments just long enough to count, and a
    relative change of it means nothing: any change to where the regions fall
    moved the portrait's lineless glabella between +-10 % and +-50 % under the
    same camera changes.
    """
    return draw_on(rgb, analysis, forehead_lines(analysis, 0.15) + frown_lines(analysis, 0.2))


def smoothed_forehead(rgb: np.ndarray, analysis: Analysis, sigma_mm: float = 0.6) -> np.ndarray:
    """The forehead softened as after treatment (shallower, wider valleys); the
    rest of the face untouched. Works on the original's pixels."""
    factor = rgb.shape[1] / analysis.width
    mask = polygon_mask(rgb.shape[:2], np.asarray(analysis.regions["forehead"].polygon) * factor)
    sigma_px = sigma_mm / (analysis.mm_per_px / factor)
    blurred = cv2.GaussianBlur(rgb, (0, 0), sigma_px)
    alpha = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 2 * sigma_px)[..., None]
    return (rgb * (1 - alpha) + blurred * alpha + 0.5).astype(np.uint8)


def with_strands(rgb: np.ndarray, analysis: Analysis, colour: tuple[int, int, int], *, count: int = 8,
                 width_mm: float = 0.12, seed: int = 0) -> np.ndarray:
    """``rgb`` (the original) with ``count`` single hairs of ``colour`` lying
    across the top of the forehead: 12-25 mm long, within 20 degrees of the
    forehead lines' direction and gently curved, the hardest way for a strand
    to pass for a line. A hair thinner than a pixel covers only its share of
    it, as a camera records it (drawn a full pixel wide, a 0.12 mm hair was
    twice too dark at 0.25 mm/px and three times at 0.39)."""
    rng = np.random.default_rng(seed)
    factor = rgb.shape[1] / analysis.width
    mm = analysis.mm_per_px / factor
    polygon = np.asarray(analysis.regions["forehead"].polygon) * factor
    (left, top), (right, bottom) = polygon.min(axis=0), polygon.max(axis=0)
    out = rgb.astype(np.float32)
    for _ in range(count):
        start = (rng.uniform(left + 20, right - 25 / mm), rng.uniform(top + 5, top + 0.35 * (bottom - top)))
        length, angle, bend = rng.uniform(12, 25) / mm, rng.uniform(-0.35, 0.35), rng.uniform(-0.002, 0.002)
        t = np.linspace(0, length, 200)
        points = np.stack([start[0] + t * np.cos(angle), start[1] + t * np.sin(angle) + bend * t ** 2], axis=1)
        cover = np.zeros(rgb.shape[:2], np.float32)
        thickness = max(1, round(width_mm / mm))
        cv2.polylines(cover, [np.int32(points * 16)], False, 1.0, thickness, cv2.LINE_AA, shift=4)
        alpha = 0.9 * min(1.0, width_mm / (thickness * mm)) * cover[..., None]
        out = out * (1 - alpha) + np.asarray(colour, np.float32) * alpha
    return (out + 0.5).astype(np.uint8)


# Marked by hand on the portrait at its own resolution (photo pixels): forehead skin from the
# brows to the hairline between the temporal lines; the crow's-feet skin lateral of each eye
# corner, from the brow tail onto the upper cheek, as far as the face's edge. The head is turned
# towards the patient's right: on the left only a strip ~8 mm wide of that skin is in view
# before the temporal hair (the zone earlier marked there reached into the background).
HAND_ZONES = {
    "forehead": [(686, 342), (690, 304), (714, 279), (758, 257), (832, 257), (866, 278), (889, 308), (897, 342),
                 (866, 342), (826, 345), (786, 343), (752, 337), (718, 337)],
    "crows_feet_right": [(694, 352), (652, 346), (644, 387), (648, 421), (683, 423), (699, 400)],
    "crows_feet_left": [(891, 372), (905, 368), (908, 405), (910, 445), (896, 447), (891, 410)],
}


def zone_overlap(analysis: Analysis) -> dict[str, tuple[float, float]]:
    """Per hand-marked zone of the portrait at 1x: (share of the zone inside the region
    found, share of the region inside the zone)."""
    shape = (analysis.height, analysis.width)
    overlap = {}
    for name, zone in HAND_ZONES.items():
        marked = polygon_mask(shape, np.asarray(zone, dtype=np.float64))
        found = polygon_mask(shape, np.asarray(analysis.regions[name].polygon))
        both = float((marked & found).sum())
        overlap[name] = (both / marked.sum(), both / max(found.sum(), 1))
    return overlap


@dataclass(frozen=True)
class Face:
    name: str
    rgb: np.ndarray
    analysis: Analysis


def invariance(face: Face, changes: dict[str, Callable[[np.ndarray], np.ndarray]] = CAMERA_CHANGES,
               *, notes: dict[str, list[str]] | None = None) -> dict[str, dict[str, float] | None]:
    """Per change, each region's index change in percent (None: that change takes
    the photo below the measurement standard, so it gets no index). When
    ``notes`` is given, the region warnings each change raised are added to it
    (a blown-out region reads low, and says so)."""
    reference = indices(face.analysis)
    table: dict[str, dict[str, float] | None] = {}
    for label, change in changes.items():
        changed = analyse(change(face.rgb))
        if notes is not None:
            notes[label] = [w.message for w in changed.warnings if w.code.endswith(("_blown_out", "_not_measured"))]
        if not meets_standard(changed.source_mm_per_px or 1e9):
            table[label] = None
            continue
        found = indices(changed)
        table[label] = {name: change_pct(found.get(name, 0.0), value) for name, value in reference.items()}
    return table
