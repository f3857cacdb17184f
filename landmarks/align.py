"""Alignment of two photos of one face into one canonical frame.

Only landmarks that expressions barely move are used: the eye corners, the
nasal bridge and the upper face outline (temples, cheekbones), never the
brows, mouth or chin. A similarity transform (rotation, uniform scale,
shift) is estimated robustly (least median of squares, then a least-squares
refit on the inliers), so one landmark pulled by a squint or a hair strand
does not tilt the whole photo. Both photos are mapped into a canonical frame
with the eyes level, a fixed inter-ocular distance and a fixed crop, so any
pair, and any series, is pixel-aligned.

References
----------
.. [1] Umeyama S. Least-squares estimation of transformation parameters between
       two point patterns. IEEE PAMI 1991;13:376-380.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from landmarks.anatomy import (
    LEFT_EYE_INNER,
    LEFT_EYE_OUTER,
    RIGHT_EYE_INNER,
    RIGHT_EYE_OUTER,
)

STABLE_POINTS = (
    RIGHT_EYE_OUTER, RIGHT_EYE_INNER, LEFT_EYE_INNER, LEFT_EYE_OUTER,  # eye corners
    168, 6, 197, 195, 5,                                                # nasal bridge
    127, 356, 162, 389, 234, 454,                                       # temples, in front of the ears
)
# Canonical frames: (width, height) px, eye midpoint position, inter-ocular distance.
CROPS = {
    "upper": {"size": (960, 640), "eyes_at": (480, 400), "iod_px": 300},
    "face": {"size": (800, 1000), "eyes_at": (400, 400), "iod_px": 260},
}


@dataclass(frozen=True)
class Similarity:
    """x' = scale * R(angle) x + shift; ``matrix`` is the 2x3 affine form."""

    matrix: npt.NDArray[np.float64]

    @property
    def scale(self) -> float:
        return float(np.hypot(self.matrix[0, 0], self.matrix[1, 0]))

    def apply(self, points: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """(N, 2) points -> (N, 2) transformed points."""
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        return p @ self.matrix[:, :2].T + self.matrix[:, 2]

    def then(self, other: "Similarity") -> "Similarity":
        """First self, then ``other``."""
        a = np.vstack([self.matrix, [0, 0, 1]])
        b = np.vstack([other.matrix, [0, 0, 1]])
        return Similarity((b @ a)[:2])

    def inverse(self) -> "Similarity":
        return Similarity(cv2.invertAffineTransform(self.matrix))


def _umeyama(src: npt.NDArray[np.float64], dst: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Least-squares similarity src -> dst (Umeyama 1991, eqs. 40-42)."""
    mean_src, mean_dst = src.mean(axis=0), dst.mean(axis=0)
    a, b = src - mean_src, dst - mean_dst
    covariance = b.T @ a / len(src)
    u, d, vt = np.linalg.svd(covariance)
    s = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        s[1, 1] = -1
    rotation = u @ s @ vt
    scale = np.trace(np.diag(d) @ s) / a.var(axis=0).sum()
    shift = mean_dst - scale * rotation @ mean_src
    return np.hstack([scale * rotation, shift[:, None]])


def estimate_similarity(src: npt.NDArray[np.float64],
                        dst: npt.NDArray[np.float64]) -> tuple[Similarity, npt.NDArray[np.bool_]]:
    """Robust similarity mapping ``src`` (N, 2) onto ``dst`` (N, 2), and the inliers."""
    matrix, inliers = cv2.estimateAffinePartial2D(src.astype(np.float32), dst.astype(np.float32), method=cv2.LMEDS)
    if matrix is None:
        inliers = np.ones(len(src), bool)
    else:
        inliers = inliers.ravel().astype(bool)
        if inliers.sum() < 4:
            inliers = np.ones(len(src), bool)
    return Similarity(_umeyama(src[inliers], dst[inliers])), inliers


def canonical_transform(xy: npt.NDArray[np.float64], crop: str = "upper") -> Similarity:
    """The similarity putting a face's eyes level, ``iod_px`` apart, at ``eyes_at``."""
    spec = CROPS[crop]
    right = xy[[RIGHT_EYE_OUTER, RIGHT_EYE_INNER]].mean(axis=0)
    left = xy[[LEFT_EYE_OUTER, LEFT_EYE_INNER]].mean(axis=0)
    src = np.array([right, left])
    half = spec["iod_px"] / 2
    dst = np.array([[spec["eyes_at"][0] - half, spec["eyes_at"][1]], [spec["eyes_at"][0] + half, spec["eyes_at"][1]]])
    return Similarity(_umeyama(src, dst))


@dataclass(frozen=True)
class Alignment:
    """Both photos' transforms into one canonical frame and how well they agree.

    ``residual_px``/``residual_mm``: how far the two aligned photos still
    disagree at the stable points, in the canonical frame (mm through the
    before photo's scale); see ``align_photos`` and ``align_pair``.
    """

    crop: str
    before: Similarity
    after: Similarity
    residual_px: float
    residual_mm: float
    inliers: int


def align_pair(before_xy: npt.NDArray[np.float64], after_xy: npt.NDArray[np.float64], before_mm_per_px: float,
               crop: str = "upper") -> Alignment:
    """Align the after photo's landmarks onto the before photo's, in the canonical frame.

    Parameters
    ----------
    before_xy, after_xy : (478, 2) landmarks in each photo's own pixels.
    before_mm_per_px : the before photo's scale (for the residual in mm).
    crop : "upper" (brows to cheekbones, for the treated regions) or "face".
    """
    if crop not in CROPS:
        raise ValueError(f"crop must be one of {sorted(CROPS)}, got {crop!r}")
    before = canonical_transform(before_xy, crop)
    stable = list(STABLE_POINTS)
    target = before.apply(before_xy[stable])
    after, inliers = estimate_similarity(after_xy[stable], target)
    distances = np.linalg.norm(after.apply(after_xy[stable]) - target, axis=1)
    residual_px = float(np.sqrt(np.mean(distances[inliers] ** 2)))
    mm_per_canonical_px = before_mm_per_px / before.scale
    return Alignment(crop=crop, before=before, after=after, residual_px=round(residual_px, 2),
                     residual_mm=round(residual_px * mm_per_canonical_px, 3), inliers=int(inliers.sum()))


def warp(rgb: npt.NDArray[np.uint8], transform: Similarity, crop: str) -> npt.NDArray[np.uint8]:
    """The photo in the canonical frame of ``crop``; outside the photo is neutral grey."""
    return cv2.warpAffine(rgb, transform.matrix, CROPS[crop]["size"], flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(128, 128, 128))


def match_exposure(after: npt.NDArray[np.uint8], before: npt.NDArray[np.uint8],
                   mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.uint8]:
    """``after`` with each channel's mean and spread over ``mask`` matched to ``before``
    (both already aligned): evens out a lighting difference, not a skin change."""
    out = after.astype(np.float32)
    for channel in range(3):
        a, b = out[..., channel][mask], before[..., channel][mask].astype(np.float32)
        if len(a) < 10:
            return after
        gain = b.std() / max(a.std(), 1e-3)
        out[..., channel] = (out[..., channel] - a.mean()) * gain + b.mean()
    return np.clip(out, 0, 255).astype(np.uint8)


def _pixel_match(before_canonical: npt.NDArray[np.uint8], after_canonical: npt.NDArray[np.uint8],
                 mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64] | None:
    """The affine map (2x3) moving ``after_canonical`` onto ``before_canonical``,
    found on the pixels of ``mask`` by the enhanced correlation coefficient
    (Evangelidis & Psarakis, PAMI 2008); None when it does not converge."""
    template = cv2.cvtColor(before_canonical, cv2.COLOR_RGB2GRAY).astype(np.float32)
    moving = cv2.cvtColor(after_canonical, cv2.COLOR_RGB2GRAY).astype(np.float32)
    warp_matrix = np.eye(2, 3, dtype=np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 80, 1e-5)
    try:
        _, warp_matrix = cv2.findTransformECC(template, moving, warp_matrix, cv2.MOTION_AFFINE, criteria,
                                              mask.astype(np.uint8), 5)
    except cv2.error:
        return None
    # ECC maps template pixels into the moving image; its inverse moves the
    # after photo onto the before one.
    return cv2.invertAffineTransform(warp_matrix.astype(np.float64))


def refine(before_canonical: npt.NDArray[np.uint8], after_canonical: npt.NDArray[np.uint8],
           mask: npt.NDArray[np.bool_]) -> Similarity | None:
    """A small correction for the after photo, found on the pixels themselves.

    Landmarks place a face to about a pixel; the pixel match of the skin,
    eyes and nose of ``mask`` then reaches a fraction of one. Returns the
    similarity part to apply after the landmark transform, or None when the
    match fails or is no small correction (the landmark alignment then stands).
    """
    affine = _pixel_match(before_canonical, after_canonical, mask)
    if affine is None:
        return None
    height, width = mask.shape
    corners = np.array([[0, 0], [width, 0], [0, height], [width, height]], np.float64)
    correction = Similarity(_umeyama(corners, Similarity(affine).apply(corners)))
    if abs(correction.scale - 1) > 0.05 or np.abs(correction.matrix[:, 2]).max() > 0.1 * width:
        return None  # not a correction but a different match: distrust it
    return correction


def stable_mask(xy: npt.NDArray[np.float64], transform: Similarity, crop: str) -> npt.NDArray[np.bool_]:
    """The hull of the stable landmarks in the canonical frame (eyes, nose, temples)."""
    width, height = CROPS[crop]["size"]
    hull = cv2.convexHull(np.round(transform.apply(xy[list(STABLE_POINTS)])).astype(np.int32))
    mask = np.zeros((height, width), np.uint8)
    cv2.fillConvexPoly(mask, hull, 1)
    return mask.astype(bool)


def align_photos(before_rgb: npt.NDArray[np.uint8], after_rgb: npt.NDArray[np.uint8],
                 before_xy: npt.NDArray[np.float64], after_xy: npt.NDArray[np.float64],
                 before_mm_per_px: float, crop: str = "upper") -> Alignment:
    """``align_pair`` on the landmarks, refined on the pixels (``refine``).

    The residual is the misalignment of the aligned images themselves: a
    second pixel match of the aligned pair, and how far the affine map it
    still finds moves the stable points (RMS). The landmarks' own spread
    after alignment measures their jitter (0.5-1 mm on pairs aligned to a
    hundredth of that), not the images; it stands only when the pixels give
    no answer.
    """
    coarse = align_pair(before_xy, after_xy, before_mm_per_px, crop)
    before_canonical = warp(before_rgb, coarse.before, crop)
    mask = stable_mask(before_xy, coarse.before, crop)
    correction = refine(before_canonical, warp(after_rgb, coarse.after, crop), mask)
    if correction is None:
        return coarse
    after = coarse.after.then(correction)
    remaining = _pixel_match(before_canonical, warp(after_rgb, after, crop), mask)
    if remaining is None:
        return Alignment(crop=crop, before=coarse.before, after=after, residual_px=coarse.residual_px,
                         residual_mm=coarse.residual_mm, inliers=coarse.inliers)
    # The full affine the pixels still ask for (shear and stretch included,
    # which a similarity cannot take out), as displacement of the stable points.
    points = coarse.before.apply(before_xy[list(STABLE_POINTS)])
    residual_px = float(np.sqrt(np.mean(np.sum((Similarity(remaining).apply(points) - points) ** 2, axis=1))))
    return Alignment(crop=crop, before=coarse.before, after=after, residual_px=round(residual_px, 2),
                     residual_mm=round(residual_px * before_mm_per_px / coarse.before.scale, 3),
                     inliers=coarse.inliers)
