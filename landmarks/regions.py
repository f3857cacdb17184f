"""Treatment regions as polygons in image pixels.

Each region is first drawn in the face frame (mm, see ``FaceFrame``) from
landmarks, so it follows the head's roll and the photo's scale; the forehead
and crow's feet, which reach past the mesh, are then clipped to skin.
Geometry follows where injectors look for each line:

* ``forehead``: horizontal frontalis lines, from just above the brows up to
  the hairline, found column by column (the first few millimetres of
  persistent non-skin going up), laterally from temporal line to temporal line
  (just beyond the brow tails); a skin-coloured patch above the hairline, such
  as scalp seen through thin hair, is never forehead;
* ``glabella``: vertical corrugator lines and the horizontal procerus line,
  between the medial brow heads, from the nasal root to above the brows, and
  below the brows no wider than the nasal root;
* ``crows_feet_left`` / ``_right``: the lateral canthal lines, centred on
  the outer eye corner, from ``CROWS_FEET_NEAR_MM`` to ``CROWS_FEET_FAR_MM``
  lateral of it, from the brow tail down onto the upper cheek where smile
  lines run. It is bounded by the face outline (the mesh's edge and a few
  millimetres more), not by skin colour: an injector draws the zone where the
  orbicularis is, even when hair falls over part of it, and the line
  measurement leaves out non-skin pixels itself.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from landmarks.anatomy import (
    FACE_OVAL,
    LEFT_BROW_LOWER,
    LEFT_BROW_UPPER,
    LEFT_IRIS_CENTRE,
    NASION,
    RIGHT_BROW_LOWER,
    RIGHT_BROW_UPPER,
    RIGHT_IRIS_CENTRE,
    FaceFrame,
    height_at,
    upper_brow_mm,
)
from landmarks.frontal import FrontalFace, densify
from landmarks.masks import dilate, polygon_mask, window_around

REGION_NAMES = ("forehead", "glabella", "crows_feet_left", "crows_feet_right")

FOREHEAD_ABOVE_BROW_MM = 3.0
FOREHEAD_HEIGHT_MM = 75.0  # brow to hairline is 50-65 mm; the hairline scan finds the real edge
FOREHEAD_BEYOND_BROW_TAIL_MM = 3.0  # the temporal line lies just lateral of the brow tail
FOREHEAD_COLUMN_MM = 1.0
FOREHEAD_STEP_MM = 0.5
HAIRLINE_RUN_MM = 3.0      # this much non-skin going up is the hairline, not a speck
HAIRLINE_SMOOTH_COLUMNS = 7  # a running median: a stray strand does not notch the edge
HAIRLINE_MARGIN_MM = 1.0
GLABELLA_ABOVE_BROW_MM = 14.0   # above the highest brow point of the region
GLABELLA_ABOVE_BROW_EDGE_MM = 1.0
GLABELLA_REACH_PUPIL = 0.9
GLABELLA_BELOW_NASION_MM = 3.0
GLABELLA_ROOT_SHARE = 0.55  # the nasal root's width below the brows, as a share of the brow heads' spread
# Adult outer canthi lie ~13.5 mm lateral of the pupils at a ~63 mm inter-pupillary
# distance (Farkas, Anthropometry of the Head and Face, 1994): 0.21 of it.
CANTHUS_FROM_PUPIL_IOD = 0.21
# The zone, in mm from the canthus (lateral, up): crow's feet start at the
# orbital rim (4-5 mm) and run 2-3 cm out, from the brow tail's height down over
# the zygoma, where they fan downwards at a smile. The lines are deepest where they
# start: cut at 5 mm, a line's inner end moved with the noise (the portrait's
# crow's feet by up to 15 % at 0.31 mm/px; 6.6 % from 4 mm). The eye's own 3 mm
# margin keeps the lashes and the lid out either way.
CROWS_FEET_NEAR_MM = 4.0
CROWS_FEET_FAR_MM = 30.0
CROWS_FEET_TOP_MM = 14.0
CROWS_FEET_BOTTOM_MM = -20.0
# The inner edge leans away from the canthus by this many mm per mm up or down: the
# lines converge on the canthus, but the upper ones run under the brow tail and the
# lower ones onto the cheek close to the lower lid, so the wedge stays narrow.
WEDGE = 0.3
CROWS_FEET_STEP_MM = 2.0  # the zone's edges bend with the skin's depth on a turned head
# At eye height the mesh's outline runs along the temple's edge and in front of the
# ear. Past it lie the sideburn and the ear, which is skin-coloured: with 14 mm a
# frontal face's prominent ear came into the zone and its rim was mapped as lines.
# A few millimetres cover the mesh's jitter (at 2-3 mm the crow's feet's IoU under a
# change of framing fell to 0.895-0.90); the hand-marked zones' coverage is unchanged.
FACE_OUTLINE_MARGIN_MM = 4.0


@dataclass(frozen=True)
class Region:
    """A treatment region: ``polygon`` is (N, 2) image pixels, ``area_mm2`` its skin area."""

    name: str
    polygon: tuple[tuple[float, float], ...]
    area_mm2: float


def _forehead_mm(frame: FaceFrame, xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The forehead's anatomical outline (mm): above the brows, temporal line to temporal line."""
    bottom = _forehead_bottom_mm(frame, xy)
    top = bottom[::-1] + (0.0, FOREHEAD_HEIGHT_MM)
    return np.vstack([bottom, top])


def _forehead_bottom_mm(frame: FaceFrame, xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """(N, 2) mm, one point per column: just above the brows, right to left."""
    brow = upper_brow_mm(frame, xy)
    xs = np.arange(brow[0, 0] - FOREHEAD_BEYOND_BROW_TAIL_MM,
                   brow[-1, 0] + FOREHEAD_BEYOND_BROW_TAIL_MM + 1e-6, FOREHEAD_COLUMN_MM)
    return np.stack([xs, [height_at(brow, x) + FOREHEAD_ABOVE_BROW_MM for x in xs]], axis=1)


def _hairline_heights(frame: FaceFrame, bottom_mm: npt.NDArray[np.float64],
                      skin: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """Per column, how far above ``bottom_mm`` the skin goes before the hairline
    (``HAIRLINE_RUN_MM`` of non-skin, or the photo's edge), in mm."""
    steps = np.arange(0.0, FOREHEAD_HEIGHT_MM, FOREHEAD_STEP_MM)
    points = bottom_mm[:, None, :] + np.stack([np.zeros_like(steps), steps], axis=1)[None]
    px = frame.to_px(points.reshape(-1, 2)).astype(np.float32).reshape(points.shape)
    # Sampled between pixels (the mask interpolated, skin where it is at least half):
    # on a small face a pixel is a millimetre, and rounding to the nearest one moved
    # the hairline of a forehead strip under a fringe by a tenth of its height.
    share = cv2.remap(skin.astype(np.float32), px[..., 0], px[..., 1], cv2.INTER_LINEAR,
                      borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    is_skin = share >= 0.5
    run = max(1, int(round(HAIRLINE_RUN_MM / FOREHEAD_STEP_MM)))
    # not_skin_ahead[i, j]: every sample j .. j+run-1 is non-skin (or outside the photo).
    padded = np.pad(~is_skin, ((0, 0), (0, run)), constant_values=True).astype(np.int32)
    window = np.cumsum(padded, axis=1)
    ahead = window[:, run - 1:] - np.pad(window, ((0, 0), (1, 0)))[:, :-run]
    blocked = ahead[:, :len(steps)] >= run
    blocked[:, -1] = True
    first = np.argmax(blocked, axis=1)
    tops = steps[first] - HAIRLINE_MARGIN_MM
    padded_tops = np.pad(tops, HAIRLINE_SMOOTH_COLUMNS // 2, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded_tops, HAIRLINE_SMOOTH_COLUMNS), axis=1)


def forehead_polygon(frame: FaceFrame, xy: npt.NDArray[np.float64], skin: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """The forehead skin as a polygon in image pixels: brows up to the hairline.

    Columns whose skin ends at the brows (a fringe down to them) are left out
    at the sides and closed to the brows in the middle.
    """
    bottom = _forehead_bottom_mm(frame, xy)
    heights = _hairline_heights(frame, bottom, skin)
    open_columns = np.flatnonzero(heights > 0)
    if len(open_columns) < 2:
        return np.empty((0, 2))
    span = slice(open_columns[0], open_columns[-1] + 1)
    bottom, heights = bottom[span], np.maximum(heights[span], 0.0)
    top = bottom + np.stack([np.zeros_like(heights), heights], axis=1)
    return frame.to_px(np.vstack([bottom, top[::-1]]))


def _glabella_mm(frame: FaceFrame, xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Between the brow heads from the nasal root up, widening above the brows to
    the corrugators' lateral reach (``GLABELLA_REACH_PUPIL`` of the way to the
    mid-pupillary lines), where the lateral corrugator is injected.

    Below the brow heads it keeps to the nasal root, over the procerus
    (``GLABELLA_ROOT_SHARE`` of the brow heads' spread, about where the mesh marks
    the root's sides). A wedge reaching out to the brow heads took in the shade
    where the nasal sidewall meets the orbit, a steady dark valley that the line
    map marked as a frown line on every face; on a lineless glabella it was
    half the index."""
    right_head = frame.to_mm(xy[[RIGHT_BROW_UPPER[-1], RIGHT_BROW_LOWER[-1]]])
    left_head = frame.to_mm(xy[[LEFT_BROW_UPPER[-1], LEFT_BROW_LOWER[-1]]])
    x_right = right_head[:, 0].mean()
    x_left = left_head[:, 0].mean()
    brow = upper_brow_mm(frame, xy)
    pupils = frame.to_mm(xy[[RIGHT_IRIS_CENTRE, LEFT_IRIS_CENTRE]])
    reach_right, reach_left = GLABELLA_REACH_PUPIL * pupils[0, 0], GLABELLA_REACH_PUPIL * pupils[1, 0]
    top = max(height_at(brow, x) for x in np.linspace(reach_right, reach_left, 9)) + GLABELLA_ABOVE_BROW_MM
    brow_low = min(right_head[:, 1].min(), left_head[:, 1].min())
    nasion = frame.to_mm(xy[[NASION]])[0]
    bottom = nasion[1] - GLABELLA_BELOW_NASION_MM
    centre = nasion[0]
    above = GLABELLA_ABOVE_BROW_EDGE_MM
    root_left = centre + GLABELLA_ROOT_SHARE * (x_left - centre)
    root_right = centre + GLABELLA_ROOT_SHARE * (x_right - centre)
    return np.array([
        (reach_right, top), (reach_left, top), (reach_left, height_at(brow, reach_left) + above),
        (x_left, height_at(brow, x_left) + above), (x_left, brow_low),
        (root_left, brow_low), (root_left, bottom), (root_right, bottom), (root_right, brow_low),
        (x_right, brow_low), (x_right, height_at(brow, x_right) + above),
        (reach_right, height_at(brow, reach_right) + above),
    ])


def _crows_feet_mm(face: FrontalFace, side: str) -> npt.NDArray[np.float64]:
    """The lateral canthal zone (frontal mm): ``CROWS_FEET_NEAR_MM``-``CROWS_FEET_FAR_MM``
    lateral of the canthus, from the brow tail's height down onto the cheek.

    The canthus is placed from the pupil, the mesh's steadiest point, at
    ``CANTHUS_FROM_PUPIL_IOD`` inter-pupillary distances: a single eye-corner
    landmark wanders by 1-2 mm between photos of the same face (more under
    shadow or hair), which would move the whole zone with it. Its inner edge
    is a wedge pointing at the canthus (lines converge there), the rest a box.
    The zone is laid out on the frontal face: the temple it reaches lies well
    behind the eyes, so on a turned head it moves with the turn (``FrontalFace``).
    """
    pupils = face.landmarks_mm([RIGHT_IRIS_CENTRE, LEFT_IRIS_CENTRE])
    reach = CANTHUS_FROM_PUPIL_IOD * float(np.linalg.norm(pupils[1] - pupils[0]))
    pupil, lateral = (pupils[1], 1.0) if side == "left" else (pupils[0], -1.0)
    canthus = pupil + (lateral * reach, 0.0)
    near, far = CROWS_FEET_NEAR_MM, CROWS_FEET_FAR_MM
    top, bottom = CROWS_FEET_TOP_MM, CROWS_FEET_BOTTOM_MM
    corners = np.array([(near, 0.0), (near + WEDGE * top, top), (far, top), (far, bottom),
                        (near - WEDGE * bottom, bottom)])
    return canthus + corners * (lateral, 1.0)


def _face_outline_mask(frame: FaceFrame, xy: npt.NDArray[np.float64], shape: tuple[int, int]) -> npt.NDArray[np.bool_]:
    """The mesh's face outline grown outwards by ``FACE_OUTLINE_MARGIN_MM``.

    Grown within a window around the face only: over a whole 12 MP photo's working
    copy, the distance transform alone took 20 ms, a twentieth of the analysis.
    """
    margin_px = FACE_OUTLINE_MARGIN_MM / frame.mm_per_px
    oval = xy[list(FACE_OVAL)]
    left, top, right, bottom = window_around(oval, margin_px + 2, shape)
    mask = np.zeros(shape, bool)
    if right > left and bottom > top:
        window = (bottom - top, right - left)
        mask[top:bottom, left:right] = dilate(polygon_mask(window, oval - (left, top)), margin_px)
    return mask


def _clip(polygon_px: npt.NDArray[np.float64], allowed: npt.NDArray[np.bool_],
          seed_px: npt.NDArray[np.float64] | None) -> npt.NDArray[np.float64]:
    """Polygon ∩ ``allowed`` ∩ image, keeping the part connected to ``seed_px`` (or the largest).

    Worked out in the polygon's box only: over a whole 3 MP working image the mask
    and its components took 8 ms a region, for the same pixels."""
    if len(polygon_px) < 3:
        return np.empty((0, 2))
    left, top, right, bottom = window_around(polygon_px, 1, allowed.shape)
    if right <= left or bottom <= top:
        return np.empty((0, 2))
    origin = np.array([left, top])
    allowed = allowed[top:bottom, left:right]
    height, width = allowed.shape
    # Rounded before the shift, as on the whole image (numpy rounds halves to even).
    mask = (polygon_mask(allowed.shape, np.round(polygon_px) - origin) & allowed).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return np.empty((0, 2))
    keep = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    if seed_px is not None:
        seeds = np.round(seed_px).astype(int) - origin
        inside = (seeds[:, 0] >= 0) & (seeds[:, 0] < width) & (seeds[:, 1] >= 0) & (seeds[:, 1] < height)
        hits = labels[seeds[inside, 1], seeds[inside, 0]]
        hits = hits[hits > 0]
        if len(hits):
            keep = int(np.bincount(hits).argmax())
    component = (labels == keep).astype(np.uint8)
    contours, _ = cv2.findContours(component, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    contour = max(contours, key=cv2.contourArea)
    contour = cv2.approxPolyDP(contour, 0.75, True)
    return contour[:, 0, :].astype(np.float64) + origin


def _polygon_area_px(polygon: npt.NDArray[np.float64]) -> float:
    if len(polygon) < 3:
        return 0.0
    x, y = polygon[:, 0], polygon[:, 1]
    return float(abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) / 2)


def anatomical_outlines(frame: FaceFrame, xy: npt.NDArray[np.float64],
                        face: FrontalFace | None = None) -> dict[str, npt.NDArray[np.float64]]:
    """Each region's outline from the anatomy alone (image pixels), before it is
    clipped to visible skin: where the muscles are, under hair or not. Without
    ``face`` (2-D landmarks only) the head is taken to face the camera."""
    face = face or FrontalFace.flat(frame, xy)
    return {
        "forehead": frame.to_px(_forehead_mm(frame, xy)),
        "glabella": frame.to_px(_glabella_mm(frame, xy)),
        **{f"crows_feet_{side}": face.to_px(densify(_crows_feet_mm(face, side), CROWS_FEET_STEP_MM))
           for side in ("left", "right")},
    }


def treatment_regions(frame: FaceFrame, xy: npt.NDArray[np.float64], skin: npt.NDArray[np.bool_],
                      face: FrontalFace) -> dict[str, Region]:
    """The four regions of one face.

    Parameters
    ----------
    frame : the face frame of this face.
    xy : (478, 2) landmarks in image pixels.
    skin : (H, W) boolean skin mask of the whole image (see ``skin_mask``).
    face : the mesh with its depth and the head's turn (``FrontalFace.from_points``).

    Returns
    -------
    dict
        ``REGION_NAMES`` -> ``Region``; a region whose skin is not visible (hidden
        by hair, outside the photo) has an empty polygon and zero area.
    """
    outlines = anatomical_outlines(frame, xy, face)
    outline = _face_outline_mask(frame, xy, skin.shape)
    in_photo = np.ones(skin.shape, bool)
    shapes = {
        "forehead": _clip(forehead_polygon(frame, xy, skin), in_photo, None),
        "glabella": _clip(outlines["glabella"], skin, seed_px=xy[[NASION]]),
        "crows_feet_left": _clip(outlines["crows_feet_left"], outline, None),
        "crows_feet_right": _clip(outlines["crows_feet_right"], outline, None),
    }
    mm2_per_px2 = frame.mm_per_px ** 2
    return {
        name: Region(
            name=name,
            polygon=tuple((round(float(x), 1), round(float(y), 1)) for x, y in polygon),
            area_mm2=round(_polygon_area_px(polygon) * mm2_per_px2, 1),
        )
        for name, polygon in shapes.items()
    }
