"""Wrinkle lines: a multi-scale valley filter at one measurement standard,
judged against the photo's own skin.

A wrinkle is a long, narrow, dark valley in the skin's luminance that follows
the region's line direction (forehead horizontal, glabella vertical and, across
its nasal root, horizontal, crow's feet radial around the lateral canthus). Its
cross-section is found with the Hessian of the log-luminance smoothed at a few
scales (Sato et al. 1998, Frangi et al. 1998). Four things make the measure
hold on real photos:

* **One measurement standard.** Every photo's face is resampled to
  ``GRID_MM_PER_PX`` and band-limited to the detail a photo at
  ``STANDARD_MM_PER_PX`` holds, so a 12 MP clinic photo and a 2 MP one give
  the same map. A photo coarser than ``COARSEST_MM_PER_PX`` gets no index
  at all: a valley narrower than two pixels is not in it, a hair cannot be
  told from a fine line, and upsampling invents nothing.
* **Photometric normalisation.** In log-luminance a gain is an offset (the
  Hessian ignores it) and a tone curve ``I^g`` multiplies every valley's depth
  by ``g``. The skin's own log-chromaticity ``ln(R/B)`` is multiplied by the
  same ``g`` and is unchanged by a gain, by blur, by noise and by the lines
  themselves (a shadow darkens all channels alike), so valley strengths are
  divided by it (``photometric_scale``). Smoothing the skin does not change its
  colour, so a treated forehead scores lower, as it should; a scale taken from
  the skin's texture would instead cancel the treatment.
* **A valley lies below the skin on both sides.** Curvature also peaks on the
  shoulders of a bright ridge (a white or grey hair, a highlight's rim); a
  valley counts only where the skin 1.5 scales away on both sides is brighter
  than its floor (``_dip_gate``).
* **Lines stand out from this photo's grain.** A valley counts as a line only
  above the larger of a fixed depth and a multiple of the region's own grain,
  measured as the response across the expected direction (which real lines do
  not feed): noise and JPEG blocks raise the bar instead of adding lines.

Per region the wrinkle index weighs every line by its depth and by how long
and continuous it is (``measure``): deep long lines count fully, short faint
fragments barely, so pores and texture never add up to "severe".

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

# The measurement standard: lines are measured at the detail of a photo at
# 0.4 mm per pixel (iris >= 29 px). A forehead or glabellar line at full
# contraction, or a crow's-foot at a smile, is 0.5-2 mm wide, so at 0.4 mm/px
# it spans two pixels or more; a phone photo reaches it when the face fills a
# third of the frame, and a clinic photo of the face always does. Finer
# standards would refuse most photos taken in practice; coarser ones lose the
# fine lines a treatment softens first.
STANDARD_MM_PER_PX = 0.4
# The coarsest photo measured, a little finer than the standard's detail: single
# hairs are told from lines at the photo's own pixels before the blur to the
# standard (``strands``), and a photo coarser than 0.36 mm/px blurs a hair as
# wide as a fine line there (between 0.36 and 0.4, eight black hairs across the
# portrait's forehead raised its index by 56-66 %). 0.35 leaves room for the
# iris ruler's 2 % jitter; an iris of 33 px reaches it.
COARSEST_MM_PER_PX = 0.35
# Sampling grid: two samples per standard pixel, so the finest valleys are not
# aliased and the Hessian's 3x3 stencil stays well inside them.
GRID_MM_PER_PX = 0.2
# The method's version for stored indices: indices of another method or
# standard are never plotted or compared together.
MEASUREMENT_STANDARD = f"v13@{STANDARD_MM_PER_PX}mm"
# Valley half-widths looked for, in mm: fine lines to deep folds.
SIGMAS_MM = (0.35, 0.5, 0.75, 1.05)
# Log-chromaticity ln(R/B) of typical skin in an sRGB photo; valley strengths
# are expressed as if the photo had this skin contrast (see photometric_scale).
REFERENCE_SKIN_CHROMA = 0.45
# Hysteresis thresholds on the normalised, scale-normalised valley strength
# (about 0.35 x the log-depth of a line at its best scale): 0.03 is a ~9 %
# valley, above the grain of clean skin; valleys down to ~4 % extend lines that
# reach it somewhere.
HIGH_THRESHOLD = 0.03
LOW_THRESHOLD = 0.013
# ... and at least this many times the region's own grain (see ``grain``).
GRAIN_FACTOR_HIGH = 2.5
GRAIN_FACTOR_LOW = 1.25
# The index averages the lines found at these bars around the nominal ones
# (times the nominal bar, low and high, each with each): at one pair of bars a
# faint stretch that joins a line to a fragment, or a fragment that just
# reaches the high bar, came and went with noise, JPEG or the tone curve, and
# moved the glabella's index by up to 11 %; averaged over bars from 0.72 to 1.28
# times the low and 0.8 to 1.2 times the high, such a stretch counts in part.
# Each holds 1.0, the nominal bar: the line map shows the lines found there.
BAR_SPREAD_LOW = (0.72, 1.0, 1.28)
BAR_SPREAD_HIGH = (0.8, 1.0, 1.2)
# The strength of a reference line (a ~14 % deep valley): the index counts a
# line of this depth at 1 mm per mm, a deeper one more, a fainter one less.
REFERENCE_STRENGTH = 0.05
MIN_LINE_LENGTH_MM = 5.0
# A line counts in full once it is this long and continuous, nothing at
# ``MIN_LINE_LENGTH_MM``, in proportion between: fragments (pores strung
# together, texture) weigh little, and no line jumps in or out of the index.
FULL_LINE_LENGTH_MM = 15.0
# Below this much visible skin a region's index is not reported.
MIN_SKIN_AREA_CM2 = 1.0
# Below this index a region has no lines to speak of (a smooth forehead reads
# 0.0-0.1; one faint line, 14 % deep, across 3 cm of a 3 cm² patch reads 1): a
# change relative to it is noise, and 0.04 -> 0.00 would read "-100 %".
NO_LINES_BELOW = 1.0
# A change of a region's index that the measure cannot tell from a recapture: the
# 90th percentile of the change, (b - a) / a both ways, between recaptures of one
# at-rest face a few seconds apart (shift, scale, roll, sensor noise, JPEG), where
# the face has lines (bench/population.py, London development half, 51 faces, six
# recaptures each and every two of them, v13): forehead 27 %, glabella 46 %, crow's
# feet 42 % (left) and 44 % (right); each rounded up to the next 5 %, one band for
# both eyes at the larger eye's. At v12 two recaptures a face (one pair) gave 24,
# 38, 48 and 53 % where all 15 pairs give 27, 44, 42 and 44 %: one pair's 90th
# percentile was up to 9 points off. Read at rest, the quietest case for lines; a
# contraction's deeper lines likely repeat more closely (not measured: the set has
# no contractions), so the band errs towards "about the same".
RECAPTURE_CHANGE = {"forehead": 0.30, "glabella": 0.50, "crows_feet_right": 0.45, "crows_feet_left": 0.45}
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], np.float32)  # ITU-R BT.601, as in JPEG
CLIPPED = 250  # a channel value at which the sensor or the tone curve has cut off
# A valley floor must lie below the skin this many scales (sigma) away on both
# sides by at least this share of its strength (see ``_dip_gate``).
DIP_REACH = 1.5
DIP_SHARE = 0.05
# How far from a pixel ``valley_strength`` looks, at most, in mm: OpenCV's Gaussian
# kernel for float images reaches 4 sigma, the dip gate reads the smoothed image
# DIP_REACH sigma further, the Hessian one pixel more (work split into bands that
# overlap by this much gives the same pixels as the whole: ``landmarks.parallel``).
VALLEY_REACH_MM = (4 + DIP_REACH) * max(SIGMAS_MM) + 2 * GRID_MM_PER_PX
# The glabella's relief: the brow heads, the procerus and the nasal root bulge and
# hollow over several millimetres, and the filter's widest scales read that broad
# shade as frown lines, most on darker skin (on the London development faces the
# glabella read a median 5.6 on the ten Black faces, where the rater saw no frown
# lines, and 3.4 on the white ones). There lines are found on the log-luminance less
# its blur at 1.5 mm (``without_relief``): a crease 0.5 mm wide keeps about 85 % of
# its depth, a fold 2 mm wide about half, shade 5 mm wide a fifth, 1 cm wide next
# to nothing. On those faces the glabella then follows age at +0.37 instead of
# +0.19 and the rater at +0.36 instead of +0.28; its recaptures differ about as
# before. The blur was chosen among 1.05-3 mm: each alternate half of the faces
# picks 1.5, and the other half then reads +0.47 and +0.31 (+0.09 and +0.27
# before). The forehead and crow's feet keep their relief: taken out there, the
# forehead followed the rater less (+0.37-0.42 instead of +0.47) and both repeated
# worse.
RELIEF_MM = 1.5
RELIEF_REACH_MM = 4 * RELIEF_MM  # OpenCV's Gaussian kernel for float images
_REMAP_STEPS = np.float32(32)  # OpenCV's INTER_TAB_SIZE: remap interpolates at 1/32-pixel steps
_PIXEL_BLUR = 0.36  # a pixel of width p blurs like a Gaussian of sigma ~0.36 p
_BACKGROUND_MM = 3.0  # skin with valleys narrower than this closed over, for depth


@dataclass(frozen=True)
class LineMap:
    """A region's detected lines on the measurement grid.

    ``mask`` (H, W) bool: line pixels; ``skeleton`` (H, W) bool: their floors,
    one pixel wide; ``weight`` (H, W) float32: what each floor pixel adds to
    the index, in grid pixels of reference-depth line; ``depth`` (H, W)
    float32: normalised relative contrast below the surrounding skin.
    """

    mask: npt.NDArray[np.bool_]
    skeleton: npt.NDArray[np.bool_]
    weight: npt.NDArray[np.float32]
    depth: npt.NDArray[np.float32]

    def joined(self, other: "LineMap") -> "LineMap":
        """This map and ``other``'s lines, found in the same window for another
        direction: lines and floors joined, weights added."""
        return LineMap(mask=self.mask | other.mask, skeleton=self.skeleton | other.skeleton,
                       weight=self.weight + other.weight, depth=self.depth)


@dataclass(frozen=True)
class LineMeasure:
    """``wrinkle_index``: mm of reference-depth line per cm² of skin (lines
    weighted by depth and continuity); ``line_depth``: mean normalised relative
    contrast of the lines; ``line_length_mm``: their plain length."""

    wrinkle_index: float
    line_depth: float
    line_length_mm: float
    skin_area_cm2: float


def meets_standard(mm_per_px: float) -> bool:
    """Whether a photo at ``mm_per_px`` is measured: at ``COARSEST_MM_PER_PX`` or
    finer (with 2 % slack for the iris ruler's own jitter)."""
    return 0 < mm_per_px <= COARSEST_MM_PER_PX * 1.02


def inside_repeatability(change: float, region: str) -> bool:
    """Whether a relative change of ``region``'s index is smaller than two recaptures of one face
    differ by (``RECAPTURE_CHANGE``): not a change."""
    return abs(change) < RECAPTURE_CHANGE[region]


def relative_change(before: float | None, after: float | None) -> float | None:
    """(after - before) / before, or None when either is missing or ``before``
    is below ``NO_LINES_BELOW`` (there were no lines to soften or deepen)."""
    if before is None or after is None or before < NO_LINES_BELOW:
        return None
    return (after - before) / before


def log_luminance(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """ln(1 + luma), 0..255, with luma Y = 0.299 R + 0.587 G + 0.114 B.

    A wrinkle's shadow darkens all three channels by the same factor, and so
    luma by that factor too, under any tone curve. Luma is the one signal a
    JPEG or HEIC photo (every phone photo) keeps at full resolution: colour is
    stored at half resolution and coarsely quantised, and each of R, G and B is
    rebuilt from both. A single channel would carry the colour's loss: a
    line's slight desaturation is blurred away and comes back as a deeper
    valley in green (by ~15 % at JPEG quality 60). Luma also averages the
    channels' independent noise down.

    Red, the brightest channel of skin, is the first to clip when a fair face
    is overexposed; a clipped red would flatten a third of every valley there.
    Where it is clipped it is taken as green times the red-to-green ratio of
    the unclipped pixels (a shadow keeps that ratio), never below its clipped
    value.
    """
    channels = rgb.astype(np.float32)
    clipped = rgb[..., 0] >= CLIPPED
    if clipped.any():
        # The ratio is read on every third row and column: over the whole of a close-up
        # 12 MP photo's window the median alone took 30 ms.
        sample = channels[::3, ::3]
        usable = (sample[..., 0] < CLIPPED) & (sample[..., 1] > 12)
        ratio = float(np.median(sample[usable, 0] / sample[usable, 1])) if usable.sum() >= 50 else 1.0
        channels[..., 0] = np.where(clipped, np.maximum(channels[..., 1] * ratio, channels[..., 0]), channels[..., 0])
    return np.log1p(channels @ LUMA_WEIGHTS)


def blown_out(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Pixels whose luma (see ``log_luminance``) is mostly clipped: green is
    cut off, and with it red (brighter in skin), so nine tenths of luma is flat
    and a valley there cannot be measured."""
    return rgb[..., 1] >= CLIPPED


def photometric_scale(rgb: npt.NDArray[np.uint8], skin: npt.NDArray[np.bool_]) -> float:
    """The skin's log-chromaticity relative to typical skin: ``median ln(R/B) / 0.45``.

    Under a tone curve ``I' = 255 (I / 255)^g`` both a valley's log-depth and
    ``ln(R/B)`` are multiplied by ``g``; a gain changes neither; noise, JPEG and
    blur leave the median unchanged. Dividing log-depths by this scale makes
    them independent of the tone curve. Clipped or near-black pixels, whose
    channels no longer keep their ratio, are left out. Falls back to 1 when too
    little skin is seen.

    A patient with more strongly coloured skin (or a tan) reads proportionally
    lower: compare indices within a patient, and grades through the clinic's
    own calibration.
    """
    pixels = rgb[skin].astype(np.float32)
    red, green, blue = pixels.T
    usable = (np.maximum(np.maximum(red, green), blue) < CLIPPED) & (np.minimum(np.minimum(red, green), blue) > 12)
    if usable.sum() < 50:
        return 1.0
    chroma = np.log((red[usable] + 1) / (blue[usable] + 1))
    return float(np.clip(np.median(chroma) / REFERENCE_SKIN_CHROMA, 0.25, 4.0))


def equalise_resolution(log_lum: npt.NDArray[np.float32], source_mm_per_px: float,
                        standard_mm_per_px: float = STANDARD_MM_PER_PX) -> npt.NDArray[np.float32]:
    """Blur a grid image from a sharp photo down to the detail a photo at
    ``standard_mm_per_px`` holds, so that a line gives the same valley whatever
    the photo's resolution (the difference of the pixel blurs' variances is added)."""
    extra_mm = _PIXEL_BLUR * np.sqrt(max(0.0, standard_mm_per_px ** 2 - source_mm_per_px ** 2))
    if extra_mm <= 0:
        return log_lum
    return cv2.GaussianBlur(log_lum, (0, 0), extra_mm / GRID_MM_PER_PX)


def without_relief(log_lum: npt.NDArray[np.float32], mm_per_px: float = GRID_MM_PER_PX) -> npt.NDArray[np.float32]:
    """``log_lum`` less its Gaussian blur at ``RELIEF_MM``: shade several millimetres
    wide taken out, creases kept (see ``RELIEF_MM``)."""
    return (log_lum - cv2.GaussianBlur(log_lum, (0, 0), RELIEF_MM / mm_per_px)).astype(np.float32)


def valley_strength(log_lum: npt.NDArray[np.float32], mm_per_px: float = GRID_MM_PER_PX,
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
        a round pore or mole has λ1 ≈ λ2 and scores ~0; a bright ridge, such as
        a highlight or a white hair, has λ1 ≈ 0 and scores 0), times
        ``_dip_gate`` (0 on the concave shoulders beside such a ridge).
    direction : (H, W) float32, radians: the line's direction (along the valley),
        in image axes (x right, y down), modulo pi.
    """
    if log_lum.ndim != 2:
        raise ValueError(f"expected a 2-D array, got shape {log_lum.shape}")
    best = np.zeros(log_lum.shape, np.float32)
    direction = np.zeros(log_lum.shape, np.float32)
    rows, cols = pixel_axes(log_lum.shape)
    for sigma_mm in sigmas_mm:
        sigma = sigma_mm / mm_per_px
        smooth = cv2.GaussianBlur(log_lum, (0, 0), sigma)
        hxx, hyy, hxy = hessian(smooth)
        half_trace = (hxx + hyy) / 2
        root = np.sqrt(((hxx - hyy) / 2) ** 2 + hxy ** 2)
        lam1, lam2 = half_trace + root, half_trace - root
        strength = sigma ** 2 * np.maximum(lam1 - np.maximum(lam2, 0), 0)
        across = across_valley(hxx, hyy, hxy)
        strength *= _dip_gate(smooth, strength, across, DIP_REACH * sigma, rows, cols)
        better = strength > best
        best = np.where(better, strength, best)
        direction = np.where(better, across + np.pi / 2, direction)
    return best, direction


def pixel_axes(shape: tuple[int, int]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Row and column coordinates of an image of ``shape``, as an (H, 1) and a (1, W)
    float32 array: they broadcast to every pixel's coordinates without building them."""
    return (np.arange(shape[0], dtype=np.float32)[:, None], np.arange(shape[1], dtype=np.float32)[None, :])


def hessian(image: npt.NDArray[np.float32]) -> tuple[npt.NDArray[np.float32], ...]:
    """(∂²/∂x², ∂²/∂y², ∂²/∂x∂y) of ``image``, per pixel (3x3 Sobel stencils)."""
    return (cv2.Sobel(image, cv2.CV_32F, 2, 0, ksize=3), cv2.Sobel(image, cv2.CV_32F, 0, 2, ksize=3),
            cv2.Sobel(image, cv2.CV_32F, 1, 1, ksize=3))


def across_valley(hxx: npt.NDArray[np.float32], hyy: npt.NDArray[np.float32],
                  hxy: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """The direction (radians) of the Hessian's larger eigenvector: across a valley
    (a line runs at +90° to it)."""
    return 0.5 * np.arctan2(2 * hxy, hxx - hyy)


def _dip_gate(smooth: npt.NDArray[np.float32], strength: npt.NDArray[np.float32], across: npt.NDArray[np.float32],
              reach: float, rows: npt.NDArray[np.float32], cols: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """1 where the skin ``reach`` pixels away on both sides across the valley is
    brighter than its floor, falling to 0 where one side is as dark or darker.

    Curvature alone also peaks on the shoulders of a bright ridge (a white or
    grey hair, the rim of a highlight): concave, but not lower than the skin
    beside it. A valley floor lies below both sides by about a seventh of its
    strength; ``DIP_SHARE`` of the strength is asked for in full.
    """
    ahead, behind = sides_across(smooth, across, reach, rows, cols)
    dip = np.minimum(ahead, behind) - smooth
    return np.clip(dip / np.maximum(DIP_SHARE * strength, 1e-6), 0.0, 1.0)


def sides_across(image: npt.NDArray[np.float32], across: npt.NDArray[np.float32], reach: float,
                 rows: npt.NDArray[np.float32], cols: npt.NDArray[np.float32]
                 ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """The image ``reach`` pixels away on either side of each pixel along ``across``
    (radians). ``rows``, ``cols``: the image's pixel coordinates (``pixel_axes``).

    Bilinear, at OpenCV's 1/32-pixel steps, with the offset rounded to a step before
    it is added: OpenCV rounds the whole position, whose float32 rounding depends on
    how far the pixel lies from the array's corner, so a band of an image
    (``landmarks.parallel``) read a few sides a step apart from the whole image (one
    crow's feet index moved by 0.1 %). A whole pixel plus whole steps is exact in float32.
    """
    dx = np.rint(reach * np.cos(across) * _REMAP_STEPS) / _REMAP_STEPS
    dy = np.rint(reach * np.sin(across) * _REMAP_STEPS) / _REMAP_STEPS
    ahead = cv2.remap(image, cols + dx, rows + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    behind = cv2.remap(image, cols - dx, rows - dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return ahead, behind


def orientation_weight(direction: npt.NDArray[np.float32], expected: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """cos⁴ of the angle between found and expected line directions (both mod pi):
    1 along the expected direction, 0.56 at 30°, 0.25 at 45°, 0 across it."""
    squared = np.square(np.cos(direction - expected))
    return np.square(squared, out=squared)  # a float power would take as long as the whole filter


def grain(strength: npt.NDArray[np.float32], direction: npt.NDArray[np.float32],
          expected: npt.NDArray[np.float32], allowed: npt.NDArray[np.bool_],
          min_length_px: float = MIN_LINE_LENGTH_MM / GRID_MM_PER_PX) -> float:
    """The region's grain: the 90th percentile of the valley response running
    across the expected direction, over the allowed skin, leaving out whole
    lines of that other direction.

    Real lines of the region do not feed it (they run along the expected
    direction); noise, JPEG blocks, pores and skin texture do, whatever their
    direction. Real lines of the other direction are no grain either: forehead
    lines crossing the glabella's upper part raised its bar by a third and hid
    a quarter of its frown lines, so treating the forehead would have made the
    frown lines read worse. They are found as lines are (``_long_valleys``,
    against a first estimate taken over all the skin) and left out. 0 when the
    region is empty.
    """
    if not allowed.any():
        return 0.0
    across = strength * orientation_weight(direction, expected + np.pi / 2) * allowed
    rough = float(np.percentile(across[allowed], 90))
    texture = allowed & ~_long_valleys(across, rough, min_length_px)
    return float(np.percentile(across[texture], 90)) if texture.any() else rough


def _long_valleys(strength: npt.NDArray[np.float32], region_grain: float, min_length_px: float) -> npt.NDArray[np.bool_]:
    """Valleys that would count as lines against ``region_grain``: above the bars
    and spanning at least ``min_length_px``, grown by a pixel."""
    valleys = _hysteresis(strength, *_bars(region_grain))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(valleys.astype(np.uint8), connectivity=8)
    long = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) >= min_length_px
    long[0] = False
    return cv2.dilate(long[labels].astype(np.uint8), np.ones((3, 3), np.uint8)) > 0


def _bars(region_grain: float, low_spread: float = 1.0, high_spread: float = 1.0) -> tuple[float, float]:
    """(high, low): the hysteresis thresholds a line must clear in a region of this
    grain, the nominal ones times ``high_spread`` and ``low_spread``."""
    return (high_spread * max(HIGH_THRESHOLD, GRAIN_FACTOR_HIGH * region_grain),
            low_spread * max(LOW_THRESHOLD, GRAIN_FACTOR_LOW * region_grain))


def _hysteresis(strength: npt.NDArray[np.float32], high: float, low: float) -> npt.NDArray[np.bool_]:
    count, labels = cv2.connectedComponents((strength >= low).astype(np.uint8), connectivity=8)
    return _reaching(labels, count, strength, high)[labels]


def _reaching(labels: npt.NDArray[np.int32], count: int, strength: npt.NDArray[np.float32],
              high: float) -> npt.NDArray[np.bool_]:
    """(count,) bool: the components of ``labels`` (0 is background) that reach ``high``."""
    reaching = np.zeros(count, bool)
    reaching[np.unique(labels[strength >= high])] = True
    reaching[0] = False
    return reaching


def _centre_lines(strength: npt.NDArray[np.float32], direction: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
    """Non-maximum suppression across the valley: its floor, one pixel wide."""
    across = direction + np.pi / 2
    dx, dy = np.rint(np.cos(across)).astype(int), np.rint(np.sin(across)).astype(int)
    padded = np.pad(strength, 1)
    rows, cols = np.mgrid[0:strength.shape[0], 0:strength.shape[1]]
    ahead = padded[rows + 1 + dy, cols + 1 + dx]
    behind = padded[rows + 1 - dy, cols + 1 - dx]
    return (strength >= ahead) & (strength >= behind) & (strength > 0)


def line_map(strength: npt.NDArray[np.float32], direction: npt.NDArray[np.float32],
             log_lum: npt.NDArray[np.float32], allowed: npt.NDArray[np.bool_], expected: npt.NDArray[np.float32],
             mm_per_px: float = GRID_MM_PER_PX, *, scale: float = 1.0,
             min_length_mm: float = MIN_LINE_LENGTH_MM, full_length_mm: float = FULL_LINE_LENGTH_MM) -> LineMap:
    """Lines in one window of skin.

    Parameters
    ----------
    strength, direction : (H, W) float32, from ``valley_strength`` of
        ``log_lum / scale``.
    log_lum : (H, W) float32 log-luminance at ``mm_per_px`` (the standard's detail).
    allowed : (H, W) bool, the skin where lines may be (region ∩ skin, minus
        brows, eyes and a margin around anything that is not skin).
    expected : (H, W) float32, the expected line direction in radians (image axes).
    scale : the photo's ``photometric_scale`` (for the depth map).

    Returns
    -------
    LineMap
        ``mask``: connected valleys above the low threshold that reach the high
        one and whose floor is at least ``min_length_mm`` long (thresholds: the
        larger of the fixed depth and a multiple of the region's ``grain``);
        ``weight``: per floor pixel, its strength above the grain over
        ``REFERENCE_STRENGTH``, times its line's continuity (0 at
        ``min_length_mm``, 1 from ``full_length_mm``), averaged over the bars
        ``BAR_SPREAD_LOW`` x ``BAR_SPREAD_HIGH`` around the nominal ones (the
        mask and floors are the nominal bars' lines).
    """
    region_grain = grain(strength, direction, expected, allowed, min_length_mm / mm_per_px)
    weighted = strength * orientation_weight(direction, expected) * allowed
    floors = _centre_lines(weighted, direction)
    step = 1.0 / np.maximum(np.abs(np.cos(direction)), np.abs(np.sin(direction)))  # px of length per floor pixel
    # A line weighs by how far it stands above the region's grain: noise adds
    # about the grain to every valley, and lines that barely clear it weigh
    # next to nothing, so no line jumps in or out of the index.
    floor_weight = np.where(floors, np.maximum(weighted - region_grain, 0) / REFERENCE_STRENGTH * step, 0)
    weight = np.zeros(strength.shape, np.float32)
    for low_spread in BAR_SPREAD_LOW:
        count, labels = cv2.connectedComponents((weighted >= _bars(region_grain, low_spread)[1]).astype(np.uint8),
                                                connectivity=8)
        lengths = np.bincount(labels[floors], weights=step[floors], minlength=count) * mm_per_px
        long_enough = lengths >= min_length_mm
        long_enough[0] = False
        ramp = (lengths - min_length_mm) / max(full_length_mm - min_length_mm, 1e-6)
        continuity = np.where(long_enough, np.clip(ramp, 0.0, 1.0), 0.0).astype(np.float32)
        for high_spread in BAR_SPREAD_HIGH:
            kept = _reaching(labels, count, weighted, _bars(region_grain, low_spread, high_spread)[0]) & long_enough
            weight += floor_weight * (continuity * kept)[labels]
            if low_spread == 1.0 and high_spread == 1.0:
                mask = kept[labels]  # the map shows the lines found at the nominal bars
    weight /= len(BAR_SPREAD_LOW) * len(BAR_SPREAD_HIGH)
    floor = floors & mask
    # The map shows each line as its floor widened by a grid pixel on each side:
    # the valley's flanks above ``low`` would draw lines wider than they are.
    mask &= cv2.dilate(floor.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    size = max(3, int(round(_BACKGROUND_MM / mm_per_px)) | 1)
    background = cv2.morphologyEx(log_lum, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    depth = (1.0 - np.exp((log_lum - background) / scale)).astype(np.float32)  # 1 - I / I_background
    return LineMap(mask=mask, skeleton=floor, weight=weight, depth=depth)


def measure(lines: LineMap, allowed: npt.NDArray[np.bool_],
            mm_per_px: float = GRID_MM_PER_PX) -> LineMeasure | None:
    """Wrinkle index and mean line depth over the allowed skin; None when less
    than ``MIN_SKIN_AREA_CM2`` of skin is visible."""
    area_cm2 = float(allowed.sum()) * mm_per_px ** 2 / 100.0
    if area_cm2 < MIN_SKIN_AREA_CM2:
        return None
    weighted_mm = float(lines.weight.sum()) * mm_per_px
    floors = lines.skeleton
    length_mm = float(floors.sum()) * mm_per_px
    depth = float(np.mean(lines.depth[floors])) if floors.any() else 0.0
    return LineMeasure(
        wrinkle_index=round(weighted_mm / area_cm2, 2),
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
