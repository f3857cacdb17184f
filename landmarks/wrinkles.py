"""Wrinkle lines: a multi-scale valley filter on log-luminance at a physical scale.

A wrinkle is a narrow dark valley in the skin's luminance. Its cross-section
is found with the Hessian of the image smoothed at a few scales (the valley
is where the largest eigenvalue is strongly positive and the other near
zero; Sato et al. 1998, Frangi et al. 1998), working on log-luminance so a
change of exposure (a gain) changes nothing. Every photo is resampled to
``CANONICAL_MM_PER_PX`` first and the scales are given in millimetres, so
the same skin gives the same map at any resolution. Each region weights the
response by how well the valley follows the region's line direction
(forehead horizontal, glabella vertical, crow's feet radial around the
lateral canthus); short marks (pores, freckles) are dropped.

Per region the result is the line length per skin area (mm per cm²: the
wrinkle index) and the mean depth of the lines as relative contrast (how
much darker the valley floor is than the skin around it).

References
----------
.. [1] Sato Y et al. Three-dimensional multi-scale line filter for segmentation
       and visualization of curvilinear structures in medical images.
       Med Image Anal 1998;2:143-168.
.. [2] Frangi AF et al. Multiscale vessel enhancement filtering. MICCAI 1998.
.. [3] Ng CC et al. Automatic wrinkle detection using hybrid Hessian filter.
       ACCV 2014 (Hessian line filters on facial wrinkles).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

# 4 px per mm: fine crow's feet (0.3-0.5 mm wide) still span 1-2 px.
CANONICAL_MM_PER_PX = 0.25
# Valley half-widths looked for, in mm: fine lines to deep folds.
SIGMAS_MM = (0.3, 0.45, 0.65)
# Hysteresis thresholds on the scale-normalised valley strength (log units,
# about 0.4 x the relative depth of a line at its best scale): 0.03 is a ~7 %
# dark valley, above the grain of skin (pores, freckles, fine texture);
# valleys down to ~3 % only extend lines that reach it somewhere.
HIGH_THRESHOLD = 0.04
LOW_THRESHOLD = 0.015
MIN_LINE_LENGTH_MM = 5.0
# Below this much visible skin a region's index is not reported: a few
# millimetres of line over a sliver of skin would read as severe.
MIN_SKIN_AREA_CM2 = 1.0
# Photos are compared at the detail a photo at this scale holds (iris ~17 px):
# sharper photos are blurred down to it, so the index does not follow resolution.
COARSEST_MM_PER_PX = 0.7
_PIXEL_BLUR = 0.36
CLIPPED = 254  # a channel value at which the sensor or the tone curve has cut off
# Background for depth: skin with valleys narrower than this closed over.
_BACKGROUND_MM = 2.5


@dataclass(frozen=True)
class LineMap:
    """A region's detected lines, in the canonical frame of one image window.

    ``mask`` (H, W) bool: line pixels (the valleys' width); ``skeleton`` (H, W)
    bool: their floors, one pixel wide; ``weight`` (H, W) float32: the length
    (px) each floor pixel contributes, scaled by confidence; ``depth`` (H, W)
    float32: relative contrast of each pixel below its surrounding skin.
    """

    mask: npt.NDArray[np.bool_]
    skeleton: npt.NDArray[np.bool_]
    weight: npt.NDArray[np.float32]
    depth: npt.NDArray[np.float32]


@dataclass(frozen=True)
class LineMeasure:
    """``wrinkle_index``: mm of line per cm² of skin; ``line_depth``: mean relative contrast."""

    wrinkle_index: float
    line_depth: float
    line_length_mm: float
    skin_area_cm2: float


def log_luminance(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """ln(1 + green), 0..255.

    A wrinkle's shadow darkens all three channels by the same factor, so any
    channel shows it. Green is the sharpest and least noisy: a phone sensor has
    twice as many green photosites as red or blue, and on skin red clips first
    in a bright photo. Blue, which clips last, carries several times green's
    grain (on the validation set its index on unlined skin is four times as high).
    """
    return np.log1p(rgb[..., 1].astype(np.float32))


def blown_out(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Pixels whose line channel (see ``log_luminance``) is clipped to white:
    a valley there is flattened and cannot be measured."""
    return rgb[..., 1] >= CLIPPED


def equalise_resolution(log_lum: npt.NDArray[np.float32], source_mm_per_px: float,
                        coarsest_mm_per_px: float = COARSEST_MM_PER_PX) -> npt.NDArray[np.float32]:
    """Blur a canonical-scale image from a sharp photo down to the detail a photo at
    ``coarsest_mm_per_px`` holds, so that a line gives the same valley whatever
    the photo's resolution.

    A pixel of width p blurs like a Gaussian of sigma ~0.36 p (box filter plus
    demosaicing); the difference of variances is added.
    """
    extra_mm = _PIXEL_BLUR * np.sqrt(max(0.0, coarsest_mm_per_px ** 2 - source_mm_per_px ** 2))
    if extra_mm <= 0:
        return log_lum
    return cv2.GaussianBlur(log_lum, (0, 0), extra_mm / CANONICAL_MM_PER_PX)


def valley_strength(log_lum: npt.NDArray[np.float32], mm_per_px: float,
                    sigmas_mm: tuple[float, ...] = SIGMAS_MM) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Scale-normalised valley strength and the valley's direction.

    Parameters
    ----------
    log_lum : (H, W) float32, log-luminance.
    mm_per_px : the array's scale.

    Returns
    -------
    strength : (H, W) float32, >= 0; max over scales of sigma² (λ1 - max(λ2, 0)),
        with λ1 >= λ2 the Hessian's eigenvalues (a dark line has λ1 > 0, λ2 ≈ 0;
        a round pore has λ1 ≈ λ2 and scores ~0).
    direction : (H, W) float32, radians: the line's direction (along the valley),
        in image axes (x right, y down), modulo pi.
    """
    if log_lum.ndim != 2:
        raise ValueError(f"expected a 2-D array, got shape {log_lum.shape}")
    best = np.zeros(log_lum.shape, np.float32)
    direction = np.zeros(log_lum.shape, np.float32)
    for sigma_mm in sigmas_mm:
        sigma = sigma_mm / mm_per_px
        smooth = cv2.GaussianBlur(log_lum, (0, 0), sigma)
        hxx = cv2.Sobel(smooth, cv2.CV_32F, 2, 0, ksize=3)
        hyy = cv2.Sobel(smooth, cv2.CV_32F, 0, 2, ksize=3)
        hxy = cv2.Sobel(smooth, cv2.CV_32F, 1, 1, ksize=3)
        half_trace = (hxx + hyy) / 2
        root = np.sqrt(((hxx - hyy) / 2) ** 2 + hxy ** 2)
        lam1, lam2 = half_trace + root, half_trace - root
        strength = sigma ** 2 * np.maximum(lam1 - np.maximum(lam2, 0), 0) * (lam1 > 0)
        # The eigenvector of λ1 points across the valley; the line runs at +90°.
        across = 0.5 * np.arctan2(2 * hxy, hxx - hyy)
        better = strength > best
        best = np.where(better, strength, best)
        direction = np.where(better, across + np.pi / 2, direction)
    return best, direction


def orientation_weight(direction: npt.NDArray[np.float32], expected: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """cos⁴ of the angle between found and expected line directions (both mod pi):
    1 along the expected direction, 0.56 at 30°, 0.25 at 45°, 0 across it."""
    return np.cos(direction - expected) ** 4


def _hysteresis(strength: npt.NDArray[np.float32], high: float, low: float) -> npt.NDArray[np.bool_]:
    weak = (strength >= low).astype(np.uint8)
    count, labels = cv2.connectedComponents(weak, connectivity=8)
    strong_labels = np.unique(labels[strength >= high])
    keep = np.zeros(count, bool)
    keep[strong_labels[strong_labels > 0]] = True
    return keep[labels]


def _centre_lines(strength: npt.NDArray[np.float32], direction: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
    """Non-maximum suppression across the valley: its floor, one pixel wide."""
    across = direction + np.pi / 2
    dx, dy = np.rint(np.cos(across)).astype(int), np.rint(np.sin(across)).astype(int)
    padded = np.pad(strength, 1)
    rows, cols = np.mgrid[0:strength.shape[0], 0:strength.shape[1]]
    ahead = padded[rows + 1 + dy, cols + 1 + dx]
    behind = padded[rows + 1 - dy, cols + 1 - dx]
    return (strength >= ahead) & (strength >= behind) & (strength > 0)


def line_map(log_lum: npt.NDArray[np.float32], allowed: npt.NDArray[np.bool_], expected: npt.NDArray[np.float32],
             mm_per_px: float = CANONICAL_MM_PER_PX, *, high: float = HIGH_THRESHOLD,
             low: float = LOW_THRESHOLD, min_length_mm: float = MIN_LINE_LENGTH_MM) -> LineMap:
    """Lines in one window of skin.

    Parameters
    ----------
    log_lum : (H, W) float32 log-luminance at ``mm_per_px``.
    allowed : (H, W) bool, the skin where lines may be (region ∩ skin, minus
        brows, eyes and a margin around anything that is not skin).
    expected : (H, W) float32, the expected line direction in radians (image axes).

    Returns
    -------
    LineMap
        ``mask``: connected valleys above ``low`` that reach ``high`` and whose
        floor is at least ``min_length_mm`` long; ``skeleton``: their floors;
        ``weight``: each floor pixel's confidence, rising from 0 at ``low`` to 1
        at ``high`` (a line fading in and out counts partly, so the index moves
        smoothly with line strength instead of jumping at a threshold).
    """
    strength, direction = valley_strength(log_lum, mm_per_px)
    weighted = strength * orientation_weight(direction, expected) * allowed
    mask = _hysteresis(weighted, high, low)
    floor = _centre_lines(weighted, direction) & mask
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    step = 1.0 / np.maximum(np.abs(np.cos(direction)), np.abs(np.sin(direction)))  # px of length per floor pixel
    if count > 1:
        lengths = np.bincount(labels[floor], weights=step[floor], minlength=count) * mm_per_px
        keep = lengths >= min_length_mm
        keep[0] = False
        mask = keep[labels]
        floor &= mask
    weight = np.where(floor, np.clip((weighted - low) / (high - low), 0, 1) * step, 0).astype(np.float32)
    # The map shows each line as its floor widened by a pixel on each side
    # (0.75 mm): the valley's flanks above ``low`` would draw lines wider than they are.
    mask &= cv2.dilate(floor.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    size = max(3, int(round(_BACKGROUND_MM / mm_per_px)) | 1)
    background = cv2.morphologyEx(log_lum, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    depth = (1.0 - np.exp(log_lum - background)).astype(np.float32)  # 1 - I / I_background
    return LineMap(mask=mask, skeleton=floor, weight=weight, depth=depth)


def measure(lines: LineMap, allowed: npt.NDArray[np.bool_],
            mm_per_px: float = CANONICAL_MM_PER_PX) -> LineMeasure | None:
    """Wrinkle index and mean line depth over the allowed skin; None when less
    than ``MIN_SKIN_AREA_CM2`` of skin is visible."""
    area_cm2 = float(allowed.sum()) * mm_per_px ** 2 / 100.0
    if area_cm2 < MIN_SKIN_AREA_CM2:
        return None
    length_mm = float(lines.weight.sum()) * mm_per_px
    depth = float(np.average(lines.depth[lines.skeleton], weights=lines.weight[lines.skeleton])) \
        if lines.weight.sum() > 0 else 0.0
    return LineMeasure(
        wrinkle_index=round(length_mm / area_cm2, 2),
        line_depth=round(max(depth, 0.0), 4),
        line_length_mm=round(length_mm, 1),
        skin_area_cm2=round(area_cm2, 2),
    )


@dataclass(frozen=True)
class RegionLines:
    """Measures per region and the line map in image pixels.

    ``label_map`` (H, W) uint8 over the whole image: 0 no line, else
    1 + the region's index in ``names``. ``measured`` (H, W) bool: the skin
    whose lines were measured (regions minus hair, brows, eyes, margins).
    """

    measures: dict[str, LineMeasure]
    names: tuple[str, ...]
    label_map: npt.NDArray[np.uint8]
    measured: npt.NDArray[np.bool_]


def expected_directions(shape: tuple[int, int], kind: str, *, axis_angle: float = 0.0,
                        centre: tuple[float, float] = (0.0, 0.0)) -> npt.NDArray[np.float32]:
    """The expected line direction (radians, image axes) at every pixel.

    ``kind``: "axis" (one direction, ``axis_angle``, for the forehead's
    horizontal and the glabella's vertical lines) or "radial" (pointing away from
    ``centre``, for crow's feet fanning out of the lateral canthus).
    """
    if kind == "axis":
        return np.full(shape, axis_angle, np.float32)
    if kind == "radial":
        ys, xs = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32)
        return np.arctan2(ys - centre[1], xs - centre[0]).astype(np.float32)
    raise ValueError(f"unknown direction kind {kind!r}")
