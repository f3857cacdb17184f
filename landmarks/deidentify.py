"""De-identified comparison images: the treated skin alone, area by area.

A bar over the eyes is not de-identification: brows, forehead, hairline, hair, ears, nose
and the face's outline stay, and an off-the-shelf face recogniser (dlib's 2017 network)
named 88-98 % of 51 people through it. Keeping only the treated areas' skin brought that
to chance. So a de-identified image shows each compared area's region, cut out of the
aligned before and after photos along its outline (everything outside it a flat neutral
grey), each area in a row of its own: the areas are not put back where they lie on the
face, so neither the face's outline nor the spacing of its features is shown. Both photos
show the same skin: the part of the area outlined in both (they are aligned), so a region
that a highlight or a strand of hair cut in one photo does not look like a change.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from landmarks.compose import watermark
from landmarks.masks import polygon_mask

# Outside the outline: a flat grey no face detector reads as skin, hair or background.
FILL_RGB = (200, 200, 200)
_PAGE_RGB = (255, 255, 255)
_INK_RGB = (29, 37, 48)
_MUTED_RGB = (100, 112, 128)
_MARGIN_PX = 16
_GAP_PX = 12
_HEAD_PX = 58
_ROW_TITLE_PX = 30
# An area smaller than this (canonical-frame pixels, about 15 x 15 mm in the upper crop)
# shows too little skin to judge a change by.
MIN_AREA_PX = 2000


@dataclass(frozen=True)
class AreaCut:
    """One area's skin in both aligned photos: same box, outside the shown skin filled.

    ``box``: (x0, y0, x1, y1) in the canonical frame; ``before``/``after``: (h, w, 3) RGB;
    ``mask``: (h, w) bool, the pixels that come from the photos (the area outlined in both).
    """

    name: str
    box: tuple[int, int, int, int]
    before: npt.NDArray[np.uint8]
    after: npt.NDArray[np.uint8]
    mask: npt.NDArray[np.bool_]


def shown_skin(shape: tuple[int, int], before_outline: npt.ArrayLike,
               after_outline: npt.ArrayLike) -> npt.NDArray[np.bool_] | None:
    """(H, W) bool: the pixels of an area a de-identified image shows (outlined in both aligned
    photos), or None when that is under ``MIN_AREA_PX``. Needs the outlines alone, not the photos,
    so a page can name the areas its image shows without making the image.

    Parameters
    ----------
    shape : (H, W)
        The canonical frame's size in pixels.
    before_outline, after_outline : (N, 2)
        The area's region polygon in each photo, in that frame's pixels.
    """
    shown = polygon_mask(shape, before_outline) & polygon_mask(shape, after_outline)
    return shown if int(shown.sum()) >= MIN_AREA_PX else None


def cut_area(name: str, before: npt.NDArray[np.uint8], after: npt.NDArray[np.uint8],
             before_outline: npt.ArrayLike, after_outline: npt.ArrayLike) -> AreaCut | None:
    """The area ``name`` cut out of both aligned photos, or None when it shows too little skin.

    Parameters
    ----------
    before, after : (H, W, 3) uint8
        The aligned photos, in one canonical frame.
    before_outline, after_outline : (N, 2)
        The area's region polygon in each photo, in that frame's pixels.
    """
    if before.shape != after.shape:
        raise ValueError(f"the aligned photos differ in shape: {before.shape} and {after.shape}")
    shown = shown_skin(before.shape[:2], before_outline, after_outline)
    if shown is None:
        return None
    rows, cols = np.nonzero(shown)
    x0, y0, x1, y1 = int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1
    inside = shown[y0:y1, x0:x1]
    patches = []
    for image in (before, after):
        patch = np.empty((y1 - y0, x1 - x0, 3), np.uint8)
        patch[:] = FILL_RGB
        patch[inside] = image[y0:y1, x0:x1][inside]
        patches.append(patch)
    return AreaCut(name, (x0, y0, x1, y1), patches[0], patches[1], inside)


def _text(canvas: npt.NDArray[np.uint8], text: str, origin: tuple[int, int], scale: float, rgb: tuple[int, int, int],
          thickness: int) -> None:
    cv2.putText(canvas, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, rgb, thickness, cv2.LINE_AA)


@dataclass(frozen=True)
class Placement:
    """Where an area's two cuts were drawn on the composed image: (x, y) of each top-left corner."""

    name: str
    before_at: tuple[int, int]
    after_at: tuple[int, int]


def compose_areas(cuts: Sequence[AreaCut], titles: Mapping[str, str], before_caption: str, after_caption: str, *,
                  mark: str | None = None) -> tuple[npt.NDArray[np.uint8], list[Placement]]:
    """(H, W, 3) RGB: a row per area (its title, then before | after), under a caption line;
    and where each cut was drawn (for checking that nothing else of the photos is shown)."""
    if not cuts:
        raise ValueError("no area to compose")
    column_px = max(cut.before.shape[1] for cut in cuts)
    width = 2 * _MARGIN_PX + 2 * column_px + _GAP_PX
    height = _HEAD_PX + sum(_ROW_TITLE_PX + cut.before.shape[0] + _GAP_PX for cut in cuts) + _MARGIN_PX
    canvas = np.empty((height, width, 3), np.uint8)
    canvas[:] = _PAGE_RGB
    after_x = _MARGIN_PX + column_px + _GAP_PX
    _text(canvas, before_caption, (_MARGIN_PX, 36), 0.7, _INK_RGB, 2)
    _text(canvas, after_caption, (after_x, 36), 0.7, _INK_RGB, 2)
    placements = []
    y = _HEAD_PX
    for cut in cuts:
        _text(canvas, titles.get(cut.name, cut.name), (_MARGIN_PX, y + 21), 0.55, _MUTED_RGB, 1)
        y += _ROW_TITLE_PX
        h, w = cut.before.shape[:2]
        offset = (column_px - w) // 2
        before_at, after_at = (_MARGIN_PX + offset, y), (after_x + offset, y)
        canvas[y:y + h, before_at[0]:before_at[0] + w] = cut.before
        canvas[y:y + h, after_at[0]:after_at[0] + w] = cut.after
        placements.append(Placement(cut.name, before_at, after_at))
        y += h + _GAP_PX
    return (watermark(canvas, mark) if mark else canvas), placements


def compose_column(cuts: Sequence[AreaCut], side: str, *, mark: str | None = None
                   ) -> tuple[npt.NDArray[np.uint8], list[tuple[str, tuple[int, int]]]]:
    """(H, W, 3) RGB: one photo's cuts (``side``: "before" or "after") one under another, no text.

    Made for a page's before/after slider, which lays the after column over the before column:
    both sides of the same ``cuts`` have the same size and the same placements, so the divide
    runs across the same skin. The areas' names and the dates are the page's HTML captions, at a
    readable size, instead of text drawn into the pixels. Returns the image and where each cut's
    top-left corner was drawn, (x, y) in its pixels, in the order of ``cuts``.
    """
    if side not in ("before", "after"):
        raise ValueError(f"side must be 'before' or 'after', got {side!r}")
    if not cuts:
        raise ValueError("no area to compose")
    width = 2 * _MARGIN_PX + max(cut.before.shape[1] for cut in cuts)
    height = _MARGIN_PX + sum(cut.before.shape[0] + _GAP_PX for cut in cuts) - _GAP_PX + _MARGIN_PX
    canvas = np.empty((height, width, 3), np.uint8)
    canvas[:] = _PAGE_RGB
    placements = []
    y = _MARGIN_PX
    for cut in cuts:
        patch = cut.before if side == "before" else cut.after
        h, w = patch.shape[:2]
        x = (width - w) // 2
        canvas[y:y + h, x:x + w] = patch
        placements.append((cut.name, (x, y)))
        y += h + _GAP_PX
    return (watermark(canvas, mark) if mark else canvas), placements
