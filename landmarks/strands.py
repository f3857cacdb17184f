"""Single hairs lying on the skin: dark valleys narrower than any line.

A stray hair across the forehead is the one thing the wrinkle filter cannot
tell from a line at the measurement standard. Dark hair over skin is, pixel for
pixel, just a darker mixture of the skin's own colour (the hair contributes
almost no light), so neither its chromaticity nor, once blurred to the
standard's detail, its width sets it apart: on the portrait eight black hairs
tripled the forehead's index.

Before that blur the photo still shows it. A hair is 0.05-0.1 mm thick: sampled
at the photo's own pixel (``strand_grid_mm``: no coarser than the 0.2 mm grid, no
finer than 0.125 mm), its whole depth lies within about a pixel of its axis. A
wrinkle the standard measures is a fold with sloping walls 0.5 mm or more wide:
a pixel off its floor is still most of the way down. So a pixel is a strand
where it lies below (by a tenth) the skin 1.5 of the photo's pixels away on
both sides, and that nearby skin is already nearly as bright as the skin 3
pixels away. Strand pixels strung over 2 mm are a hair; isolated ones (noise,
a pore, a lash) are left alone. Hairs are looked for at the photo's own pixels,
not on the grid: a real hair diluted into a 0.2 mm grid pixel and spread by the
smoothing before sampling is as wide there as a line half a millimetre wide,
and too faint to tell by depth (eight brown hairs added a third to the
forehead of a photo at 0.12 mm/px).

Lines narrower than two of the photo's pixels look like hairs and deep ones are
painted over: lines of 0.3 mm, finer than the standard measures, in sharp
photos, and lines of 0.5 mm in photos coarser than 0.25 mm per pixel. A photo
coarser than about 0.3 mm per pixel blurs a hair as wide as a fine line; there
the test finds fewer hairs, and a dark hair on the forehead should be brushed
away before the photo (the line map shows it). Coarser than
``STRAND_TEST_MAX_MM_PER_PX`` it is not run at all: 1.5 pixels then reach past
the walls of a line 0.8 mm wide, which looks as narrow as a hair. That is why
no photo coarser than ``wrinkles.COARSEST_MM_PER_PX`` gets an index.
"""
from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from landmarks.masks import dilate
from landmarks.wrinkles import GRID_MM_PER_PX, across_valley, hessian, pixel_axes, sides_across

# Normalised log-depth (see ``wrinkles.photometric_scale``) a strand pixel lies
# below the skin 1.5 photo pixels away on both sides: about 10 % darker. A brown
# hair 0.12 mm thick darkens a 0.25 mm pixel by about a fifth; at 0.15 (14 %)
# such hairs were missed and eight added a third to the forehead's index.
STRAND_DEPTH = 0.1
# ... in photos up to this pixel; a hair darkens a coarser pixel by its share of
# it, so the depth asked falls in proportion (at a fixed 0.1, eight brown hairs
# raised the forehead of a photo at 0.35 mm/px by 16-18 %; lines drawn 40 % deep
# lost 1 % of their index to the lower bar).
STRAND_DEPTH_UP_TO_MM = 0.25
# ... which is at least this share of its depth below the skin three pixels
# away: a hair's valley ends within a pixel, a wrinkle's walls slope on.
STRAND_SHARE = 0.85
# Where "near" and "far" are, in the photo's own pixels: a hair at most a pixel
# thick, whatever its phase against the grid, has left its valley 1.5 pixels
# from its axis; a line two pixels wide or more is still most of the way down.
NEAR_REACH = 1.5
FAR_REACH = 3.0
# Sampling at any phase against the photo's pixels (linear between them, after
# smoothing where the photo is finer) spreads a hair over about a pixel and a
# quarter: at one pixel the "near" skin still lay on the hair's skirt, and black
# hairs 0.2 mm wide at 0.2 mm/px added a third to the forehead.
MIN_REACH = 1.25
# The coarsest photo the test tells hairs from lines in. Lines 0.8 mm wide and 60 %
# deep, drawn on the portrait, lose to it 7 % of their index at 0.36 mm/px, 18 % at
# 0.37 and 82 % at 0.39 (where the forehead read lower with 60 % deep lines than
# with 40 %); at 0.35 and finer, nothing.
STRAND_TEST_MAX_MM_PER_PX = 0.36
# Hairs are looked for at the photo's own pixels down to this (``strand_grid_mm``):
# a hair 0.05-0.1 mm thick covers most of such a pixel, and finer sampling only
# costs time (a third more on a close-up 12 MP photo at 0.1 mm).
FINEST_MM_PER_PX = 0.125
# Strand pixels strung over at least this length are a hair.
STRAND_MIN_LENGTH_MM = 2.0
# How far from a strand found a dark pixel of a strand's depth is taken as its continuation.
STRAND_CONTINUES_MM = 2.0
# How far from a pixel ``without_strands`` looks, at most, in mm: in each of its two
# passes (dark strands, then bright ones on the result) a strand's run and its
# continuation, plus the handful of photo pixels (at most 0.36 mm each) of the
# sides, the thinness test and the closing. Work split into bands that overlap by
# this much gives the same pixels as the whole (``landmarks.parallel``).
REACH_MM = 2 * (STRAND_MIN_LENGTH_MM + STRAND_CONTINUES_MM + 10 * STRAND_TEST_MAX_MM_PER_PX)


def without_strands(log_lum: npt.NDArray[np.float32], source_mm_per_px: float, scale: float = 1.0,
                    mm_per_px: float = GRID_MM_PER_PX) -> npt.NDArray[np.float32]:
    """``log_lum`` with single hairs, dark and bright, painted over by the skin beside them.

    A dark strand (``hair_strands``) is filled by a grey closing (dilation, then
    erosion) a few pixels across, which lifts every valley narrower than itself
    to the skin on its sides (the DullRazor approach to hair in skin images,
    Lee et al. 1997); a bright strand (a white or grey hair on darker skin) is
    levelled the same way from above. Only the strands, a pixel around them and
    their dark continuation within ``STRAND_CONTINUES_MM`` are painted, so lines
    elsewhere keep their floors. Painting over, rather
    than leaving the strand's skin out, removes its whole profile: left out, a
    dark hair's valley flanks, or the skin dipping beside a white hair, would
    read as lines along it. A photo coarser than ``STRAND_TEST_MAX_MM_PER_PX`` is
    returned as it is.
    """
    if source_mm_per_px > STRAND_TEST_MAX_MM_PER_PX:
        return log_lum
    without_dark = _fill_strands(log_lum, source_mm_per_px, scale, mm_per_px)
    return -_fill_strands(-without_dark, source_mm_per_px, scale, mm_per_px)


def _fill_strands(log_lum: npt.NDArray[np.float32], source_mm_per_px: float, scale: float,
                  mm_per_px: float) -> npt.NDArray[np.float32]:
    """``log_lum`` with its dark strands filled from the skin beside them."""
    strands = hair_strands(log_lum, source_mm_per_px, scale, mm_per_px)
    if not strands.any():
        return log_lum
    size = 2 * int(np.ceil(NEAR_REACH * _reach(source_mm_per_px, mm_per_px))) + 1
    closed = cv2.morphologyEx(log_lum, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    around = cv2.dilate(strands.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    # Where a hair crosses a line at a shallow angle their valleys merge and the
    # strand test loses it for a few millimetres; near a strand, whatever the
    # closing lifts by a strand's depth is the same hair going on.
    going_on = dilate(strands, STRAND_CONTINUES_MM / mm_per_px) & (closed - log_lum > _depth(source_mm_per_px) * scale)
    return np.where(around | going_on, closed, log_lum)


def hair_strands(log_lum: npt.NDArray[np.float32], source_mm_per_px: float, scale: float = 1.0,
                 mm_per_px: float = GRID_MM_PER_PX) -> npt.NDArray[np.bool_]:
    """Pixels of single dark hairs in a grid image sampled from a photo at ``source_mm_per_px``
    (bright hairs are the dark strands of ``-log_lum``).

    Parameters
    ----------
    log_lum : (H, W) float32 log-luminance at ``mm_per_px``, as sampled (before
        it is blurred to the measurement standard's detail).
    source_mm_per_px : the photo's own scale; its pixel sets how narrow "narrow" is.
    scale : the photo's ``photometric_scale`` (depths are taken relative to it).

    Returns
    -------
    (H, W) bool: pixels of strand runs at least ``STRAND_MIN_LENGTH_MM`` long.
    """
    reach = _reach(source_mm_per_px, mm_per_px)
    across = across_valley(*hessian(cv2.GaussianBlur(log_lum, (0, 0), 0.5 * reach)))
    rows, cols = pixel_axes(log_lum.shape)
    near_sides = sides_across(log_lum, across, NEAR_REACH * reach, rows, cols)
    far_sides = sides_across(log_lum, across, FAR_REACH * reach, rows, cols)
    # Deep below both sides: below the darker one by a strand's depth. Narrow: the
    # dip against the mean of the two sides, near and far, which cancels the slope
    # of a line's wall a hair may lie on (against the darker side, a hair along a
    # line's shoulder was missed, and its stretch, far darker than any line, added
    # a third to the forehead's index).
    deep = np.minimum(*near_sides) - log_lum > _depth(source_mm_per_px) * scale
    near, far = (near_sides[0] + near_sides[1]) / 2, (far_sides[0] + far_sides[1]) / 2
    narrow = near - log_lum > STRAND_SHARE * (far - log_lum)
    candidate = deep & narrow
    # Thin: a strand is a few pixels wide at most. Whatever is wider (a nostril's
    # rim, a patch of dark hair) is taken out pixel by pixel, not by its run, so a
    # hair that touches such a patch, or crosses other hairs, still stands.
    thick_px = 2 * int(np.ceil(reach + 1.0)) + 1
    candidate &= cv2.morphologyEx(candidate.astype(np.uint8), cv2.MORPH_OPEN,
                                  cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (thick_px, thick_px))) == 0
    count, labels, stats, _ = cv2.connectedComponentsWithStats(candidate.astype(np.uint8), connectivity=8)
    extent_px = np.hypot(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    strand = extent_px * mm_per_px >= STRAND_MIN_LENGTH_MM
    strand[0] = False
    return strand[labels]


def strand_grid_mm(source_mm_per_px: float) -> float:
    """The sampling hairs are looked for at, mm per pixel: the photo's own pixel, but
    no coarser than the measurement grid and no finer than ``FINEST_MM_PER_PX``."""
    return float(np.clip(source_mm_per_px, FINEST_MM_PER_PX, GRID_MM_PER_PX))


def _reach(source_mm_per_px: float, mm_per_px: float) -> float:
    """One of the photo's own pixels, in grid pixels, and at least ``MIN_REACH``."""
    return max(MIN_REACH, source_mm_per_px / mm_per_px)


def _depth(source_mm_per_px: float) -> float:
    """The normalised log-depth a strand pixel lies below the skin beside it, in a
    photo at ``source_mm_per_px`` (``STRAND_DEPTH``, less in coarser photos)."""
    return STRAND_DEPTH * min(1.0, STRAND_DEPTH_UP_TO_MM / source_mm_per_px)
