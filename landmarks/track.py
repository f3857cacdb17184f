"""Two photos of one face put in one frame, and skin followed from one to the other.

A rest photo and a contraction photo of one visit are aligned on what an
expression does not move. The face mesh gives a similarity transform from the
stable landmarks (``landmarks.align.STABLE_POINTS``); the landmarks jitter by
0.5-1 mm and a moved brow drags the face model's other points a little, so the
transform is then corrected on the pixels of the nasal bridge and the inner eye
corners (enhanced correlation coefficient, a shift only: a rotation fitted on
that small patch tilted a null pair by 0.7 mm at the brows), which no
expression in the capture protocol moves. The landmarks still leave about a
degree of rotation and 2 % of scale uncertain; for the brows' expressions the
rotation and scale are then fitted on patches of mid-face skin (nasal dorsum,
both cheeks), which raising the brows and frowning leave in place.

Skin is followed by normalised cross-correlation of a small patch of the rest
photo searched in the aligned contraction photo: brow hair and skin keep their
texture as they move, so the patch's shift is the skin's movement, which a
face model smooths and a mesh underestimates.

Coordinates are the rest photo's pixels (x right, y down).
"""
from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from landmarks.align import STABLE_POINTS, Similarity, estimate_similarity
from landmarks.anatomy import LEFT_EYE_INNER, RIGHT_EYE_INNER

# Nasal bridge from between the eyes to above the tip, and the inner eye corners.
BRIDGE = (168, 6, 197, 195, 5, RIGHT_EYE_INNER, LEFT_EYE_INNER, 122, 351, 188, 412)
MAX_CORRECTION_MM = 2.0
# Skin of the nasal dorsum and both cheeks, below the lower lids: what raising the
# brows or frowning leaves in place (a smile moves it). Wide (about 90 mm across),
# so it fixes the rotation and scale that the landmarks leave uncertain (1 degree
# and 2 % on London recaptures: up to 1 mm at the brow tails).
MIDFACE = (197, 195, 117, 346, 123, 352, 50, 280, 101, 330, 100, 329, 36, 266, 205, 425, 187, 411)
MIDFACE_HALF_MM = 4.0   # half size of each followed patch
MIDFACE_REACH_MM = 3.0  # the landmark alignment is better than this
MIDFACE_BLUR_MM = 0.2
MIDFACE_MIN_PEAK = 0.7
MIDFACE_MIN_PATCHES = 8


def landmark_similarity(rest_xy: npt.NDArray[np.float64], contraction_xy: npt.NDArray[np.float64],
                        indices: tuple[int, ...] = STABLE_POINTS) -> tuple[Similarity, float]:
    """Similarity mapping the contraction photo's pixels onto the rest photo's, and
    the RMS distance (rest px) left at the landmarks it was fitted on (the stable
    landmarks unless ``indices`` are given)."""
    stable = list(indices)
    transform, inliers = estimate_similarity(contraction_xy[stable], rest_xy[stable])
    distances = np.linalg.norm(transform.apply(contraction_xy[stable]) - rest_xy[stable], axis=1)
    return transform, float(np.sqrt(np.mean(distances[inliers] ** 2)))


def _window(points: npt.NDArray[np.float64], margin: float, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    lo = np.floor(points.min(axis=0) - margin).astype(int)
    hi = np.ceil(points.max(axis=0) + margin).astype(int)
    x0, y0 = max(0, lo[0]), max(0, lo[1])
    return x0, y0, min(shape[1], hi[0]) - x0, min(shape[0], hi[1]) - y0


def warp_into(image: npt.NDArray[np.float32], transform: Similarity,
              box: tuple[int, int, int, int]) -> npt.NDArray[np.float32]:
    """The part ``box`` (x, y, w, h in the rest photo's pixels) of ``image`` moved by ``transform``."""
    x, y, w, h = box
    matrix = transform.matrix.copy()
    matrix[:, 2] -= (x, y)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def refine_on_bridge(rest_grey: npt.NDArray[np.float32], contraction_grey: npt.NDArray[np.float32],
                     rest_xy: npt.NDArray[np.float64], transform: Similarity,
                     mm_per_px: float) -> tuple[Similarity, bool]:
    """``transform`` corrected so the nasal bridge and inner eye corners match in the pixels.

    Returns the corrected transform and whether the correction was accepted (it
    is refused when the match fails or would move the face by more than
    ``MAX_CORRECTION_MM``).
    """
    bridge = rest_xy[list(BRIDGE)]
    margin = 3.0 / mm_per_px
    box = _window(bridge, margin, rest_grey.shape)
    x, y, w, h = box
    template = rest_grey[y:y + h, x:x + w]
    moving = warp_into(contraction_grey, transform, box)
    mask = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(mask, np.round(cv2.convexHull((bridge - (x, y)).astype(np.float32))).astype(np.int32), 1)
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8), iterations=max(1, int(margin / 2)))
    warp_matrix = np.eye(2, 3, dtype=np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 60, 1e-5)
    try:
        _, warp_matrix = cv2.findTransformECC(template, moving, warp_matrix, cv2.MOTION_TRANSLATION, criteria, mask, 5)
    except cv2.error:
        return transform, False
    # ECC maps template (rest) pixels into the moving image: moving(W p) ~ template(p).
    # The contraction pixel q sits at T q in the crop; W^-1 of that is its rest position.
    inverse = cv2.invertAffineTransform(warp_matrix.astype(np.float64))
    to_crop = Similarity(np.array([[1.0, 0, -x], [0, 1.0, -y]]))
    correction = Similarity(inverse)
    back = Similarity(np.array([[1.0, 0, x], [0, 1.0, y]]))
    refined = transform.then(to_crop).then(correction).then(back)
    centre = bridge.mean(axis=0, keepdims=True)
    moved = float(np.linalg.norm(refined.apply(centre) - transform.apply(centre))) * mm_per_px
    if moved > MAX_CORRECTION_MM:
        return transform, False
    return refined, True


def refine_on_midface(rest_grey: npt.NDArray[np.float32], contraction_grey: npt.NDArray[np.float32],
                      rest_xy: npt.NDArray[np.float64], transform: Similarity,
                      mm_per_px: float) -> tuple[Similarity, bool]:
    """``transform`` corrected by a similarity fitted to how patches of the mid-face
    skin (``MIDFACE``) moved after it, robustly (least median of squares).

    For photos whose expression leaves the mid-face in place (raise, frown).
    Returns the corrected transform and whether enough patches were found
    again (``MIDFACE_MIN_PATCHES``); otherwise ``transform`` unchanged. The
    correction is refused, as on the bridge, when it would move the face's
    centre by more than ``MAX_CORRECTION_MM``.
    """
    centres = rest_xy[list(MIDFACE)]
    half, reach = MIDFACE_HALF_MM / mm_per_px, MIDFACE_REACH_MM / mm_per_px
    box = _window(centres, half + reach + 3, rest_grey.shape)
    x, y, w, h = box
    sigma = MIDFACE_BLUR_MM / mm_per_px
    rest = cv2.GaussianBlur(rest_grey[y:y + h, x:x + w], (0, 0), sigma)
    moved = cv2.GaussianBlur(warp_into(contraction_grey, transform, box), (0, 0), sigma)
    local = centres - (x, y)
    found = np.full_like(local, np.nan)
    for i, centre in enumerate(local):
        shift, peak = track_patch(rest, moved, centre, (half, half), (reach, reach))
        if peak >= MIDFACE_MIN_PEAK:
            found[i] = centre + shift
    ok = ~np.isnan(found[:, 0])
    if ok.sum() < MIDFACE_MIN_PATCHES:
        return transform, False
    # The moved photo's pixel found[i] shows what the rest photo shows at local[i].
    correction, _ = estimate_similarity(found[ok] + (x, y), centres[ok])
    refined = transform.then(correction)
    centre = centres.mean(axis=0, keepdims=True)
    if float(np.linalg.norm(correction.apply(centre) - centre)) * mm_per_px > MAX_CORRECTION_MM:
        return transform, False
    return refined, True


def track_patch(rest_grey: npt.NDArray[np.float32], moved_grey: npt.NDArray[np.float32],
                centre_px: npt.NDArray[np.float64], half_size_px: tuple[float, float],
                reach_px: tuple[float, float]) -> tuple[npt.NDArray[np.float64], float]:
    """Where the rest photo's patch around ``centre_px`` went in ``moved_grey``: ``match_patch``
    without its runner-up."""
    shift, peak, _ = match_patch(rest_grey, moved_grey, centre_px, half_size_px, reach_px)
    return shift, peak


def match_patch(rest_grey: npt.NDArray[np.float32], moved_grey: npt.NDArray[np.float32],
                centre_px: npt.NDArray[np.float64], half_size_px: tuple[float, float],
                reach_px: tuple[float, float], apart_px: float | None = None,
                ) -> tuple[npt.NDArray[np.float64], float, float]:
    """Where the rest photo's patch around ``centre_px`` went in ``moved_grey``.

    Parameters
    ----------
    rest_grey, moved_grey : (H, W) float32
        Both in the rest photo's pixels (``moved_grey`` already aligned), blurred alike.
    centre_px : (2,) the patch centre, x, y.
    half_size_px : (half width, half height) of the patch.
    reach_px : (x, y) largest shift looked for in each direction.

    Returns
    -------
    shift : (2,) float
        The patch's displacement, px (x right, y down), to a fraction of a pixel.
    peak : float
        The normalised cross-correlation at the match (1 = identical; below ~0.5
        the patch was not found).
    runner_up : float
        The best correlation at least ``apart_px`` (default: the patch's half
        height) from the match: near ``peak``, the match is ambiguous.

    A best match on the edge of the search is no match (shift NaN, peak 0): the
    patch went further than ``reach_px`` or, on a smooth edge, slid along it
    to wherever the search stopped.
    """
    cx, cy = centre_px
    hw, hh = int(round(half_size_px[0])), int(round(half_size_px[1]))
    rx, ry = int(np.ceil(reach_px[0])), int(np.ceil(reach_px[1]))
    x0, y0 = int(round(cx)) - hw, int(round(cy)) - hh
    height, width = rest_grey.shape
    if x0 - rx < 0 or y0 - ry < 0 or x0 + 2 * hw + 1 + rx > width or y0 + 2 * hh + 1 + ry > height:
        return np.array([np.nan, np.nan]), 0.0, 0.0
    template = rest_grey[y0:y0 + 2 * hh + 1, x0:x0 + 2 * hw + 1]
    search = moved_grey[y0 - ry:y0 + 2 * hh + 1 + ry, x0 - rx:x0 + 2 * hw + 1 + rx]
    if template.std() < 1e-3:
        return np.array([np.nan, np.nan]), 0.0, 0.0
    score = cv2.matchTemplate(search, template, cv2.TM_CCOEFF_NORMED)
    _, peak, _, (bx, by) = cv2.minMaxLoc(score)
    if bx in (0, score.shape[1] - 1) or by in (0, score.shape[0] - 1):
        return np.array([np.nan, np.nan]), 0.0, 0.0
    apart = half_size_px[1] if apart_px is None else apart_px
    rows, cols = np.mgrid[:score.shape[0], :score.shape[1]]
    away = (rows - by) ** 2 + (cols - bx) ** 2 >= apart ** 2
    runner_up = float(score[away].max()) if away.any() else -1.0
    shift = np.array([bx - rx, by - ry], np.float64)
    # Sub-pixel: a parabola through the peak and its neighbours, each axis.
    for axis, (i, j) in enumerate(((by, bx), (by, bx))):
        if axis == 0 and 0 < j < score.shape[1] - 1:
            a, b, c = score[i, j - 1], score[i, j], score[i, j + 1]
        elif axis == 1 and 0 < i < score.shape[0] - 1:
            a, b, c = score[i - 1, j], score[i, j], score[i + 1, j]
        else:
            continue
        denominator = a - 2 * b + c
        if denominator < 0:
            shift[axis] += float(np.clip(0.5 * (a - c) / denominator, -0.5, 0.5))
    return shift, float(peak), runner_up
