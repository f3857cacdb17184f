"""Treatment regions as polygons in image pixels.

Each region is first drawn in the face frame (mm, see ``FaceFrame``) from
landmarks, so it follows the head's roll and the photo's scale; the forehead
and crow's feet, which reach past the mesh, are then clipped to skin.
Geometry follows where injectors look for each line:

* ``forehead``: horizontal frontalis lines, from just above the brows to the
  hairline, laterally to the brow tails (the temporal lines);
* ``glabella``: vertical corrugator lines and the horizontal procerus line,
  between the medial brow heads, from the nasal root to above the brows;
* ``crows_feet_left`` / ``_right``: the lateral canthal fan, beyond the
  orbital rim, opening laterally from the outer eye corner. It is bounded by
  the face outline (pushed out past the mesh's edge), not by skin colour: an
  injector draws the fan where the orbicularis is, even when hair falls over
  part of it, and the line measurement leaves out non-skin pixels itself.
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
from landmarks.masks import dilate, polygon_mask

REGION_NAMES = ("forehead", "glabella", "crows_feet_left", "crows_feet_right")

FOREHEAD_ABOVE_BROW_MM = 3.0
FOREHEAD_HEIGHT_MM = 70.0  # brow to hairline is 50-65 mm; skin clipping finds the real edge
GLABELLA_ABOVE_BROW_MM = 14.0   # above the highest brow point of the region
GLABELLA_ABOVE_BROW_EDGE_MM = 1.0
GLABELLA_REACH_PUPIL = 0.9
GLABELLA_BELOW_NASION_MM = 3.0
CROWS_FEET_GAP_MM = 4.0     # from the outer canthus to the fan's apex (orbital rim)
# Adult outer canthi lie ~13.5 mm lateral of the pupils at a ~63 mm inter-pupillary
# distance (Farkas, Anthropometry of the Head and Face, 1994): 0.21 of it.
CANTHUS_FROM_PUPIL_IOD = 0.21
CROWS_FEET_RADIUS_MM = 28.0
CROWS_FEET_HALF_ANGLE_DEG = 45.0
FACE_OUTLINE_MARGIN_MM = 10.0  # the mesh outline stops short of the face's visible edge


@dataclass(frozen=True)
class Region:
    """A treatment region: ``polygon`` is (N, 2) image pixels, ``area_mm2`` its skin area."""

    name: str
    polygon: tuple[tuple[float, float], ...]
    area_mm2: float


def _forehead_mm(frame: FaceFrame, xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    right = frame.to_mm(xy[list(RIGHT_BROW_UPPER)])
    left = frame.to_mm(xy[list(LEFT_BROW_UPPER)])[::-1]
    bottom = np.vstack([right, left]) + (0.0, FOREHEAD_ABOVE_BROW_MM)
    top = bottom[::-1] + (0.0, FOREHEAD_HEIGHT_MM)
    return np.vstack([bottom, top])


def _glabella_mm(frame: FaceFrame, xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Between the brow heads from the nasal root up, widening above the brows to
    the corrugators' lateral reach (``GLABELLA_REACH_PUPIL`` of the way to the
    mid-pupillary lines), where the lateral corrugator is injected."""
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
    narrow = 0.55  # the region narrows towards the nasal root
    centre = nasion[0]
    above = GLABELLA_ABOVE_BROW_EDGE_MM
    return np.array([
        (reach_right, top), (reach_left, top), (reach_left, height_at(brow, reach_left) + above),
        (x_left, height_at(brow, x_left) + above), (x_left, brow_low),
        (centre + narrow * (x_left - centre), bottom), (centre + narrow * (x_right - centre), bottom),
        (x_right, brow_low), (x_right, height_at(brow, x_right) + above),
        (reach_right, height_at(brow, reach_right) + above),
    ])


def _crows_feet_mm(frame: FaceFrame, xy: npt.NDArray[np.float64], side: str) -> npt.NDArray[np.float64]:
    """The fan opens from a point ``CROWS_FEET_GAP_MM`` beyond the outer canthus.

    The canthus is placed from the pupil, the mesh's steadiest point, at
    ``CANTHUS_FROM_PUPIL_IOD`` inter-pupillary distances: a single eye-corner
    landmark wanders by 1-2 mm between photos of the same face (more under
    shadow or hair), which would move the whole fan with it.
    """
    pupils = frame.to_mm(xy[[RIGHT_IRIS_CENTRE, LEFT_IRIS_CENTRE]])
    reach = CANTHUS_FROM_PUPIL_IOD * float(np.linalg.norm(pupils[1] - pupils[0]))
    pupil, lateral = (pupils[1], 1.0) if side == "left" else (pupils[0], -1.0)
    apex = pupil + (lateral * (reach + CROWS_FEET_GAP_MM), 0.0)
    angles = np.radians(np.linspace(-CROWS_FEET_HALF_ANGLE_DEG, CROWS_FEET_HALF_ANGLE_DEG, 15))
    arc = apex + CROWS_FEET_RADIUS_MM * np.stack([lateral * np.cos(angles), np.sin(angles)], axis=1)
    return np.vstack([apex, arc])


def _face_outline_mask(frame: FaceFrame, xy: npt.NDArray[np.float64], shape: tuple[int, int]) -> npt.NDArray[np.bool_]:
    """The mesh's face outline grown outwards by ``FACE_OUTLINE_MARGIN_MM``."""
    return dilate(polygon_mask(shape, xy[list(FACE_OVAL)]), FACE_OUTLINE_MARGIN_MM / frame.mm_per_px)


def _clip(polygon_px: npt.NDArray[np.float64], allowed: npt.NDArray[np.bool_],
          seed_px: npt.NDArray[np.float64] | None) -> npt.NDArray[np.float64]:
    """Polygon ∩ ``allowed`` ∩ image, keeping the part connected to ``seed_px`` (or the largest)."""
    height, width = allowed.shape
    mask = (polygon_mask(allowed.shape, polygon_px) & allowed).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return np.empty((0, 2))
    keep = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    if seed_px is not None:
        seeds = np.round(seed_px).astype(int)
        inside = (seeds[:, 0] >= 0) & (seeds[:, 0] < width) & (seeds[:, 1] >= 0) & (seeds[:, 1] < height)
        hits = labels[seeds[inside, 1], seeds[inside, 0]]
        hits = hits[hits > 0]
        if len(hits):
            keep = int(np.bincount(hits).argmax())
    component = (labels == keep).astype(np.uint8)
    contours, _ = cv2.findContours(component, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    contour = max(contours, key=cv2.contourArea)
    contour = cv2.approxPolyDP(contour, 0.75, True)
    return contour[:, 0, :].astype(np.float64)


def _polygon_area_px(polygon: npt.NDArray[np.float64]) -> float:
    if len(polygon) < 3:
        return 0.0
    x, y = polygon[:, 0], polygon[:, 1]
    return float(abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) / 2)


def anatomical_outlines(frame: FaceFrame, xy: npt.NDArray[np.float64]) -> dict[str, npt.NDArray[np.float64]]:
    """Each region's outline from the anatomy alone (image pixels), before it is
    clipped to visible skin: where the muscles are, under hair or not."""
    return {
        "forehead": frame.to_px(_forehead_mm(frame, xy)),
        "glabella": frame.to_px(_glabella_mm(frame, xy)),
        "crows_feet_left": frame.to_px(_crows_feet_mm(frame, xy, "left")),
        "crows_feet_right": frame.to_px(_crows_feet_mm(frame, xy, "right")),
    }


def treatment_regions(frame: FaceFrame, xy: npt.NDArray[np.float64],
                      skin: npt.NDArray[np.bool_]) -> dict[str, Region]:
    """The four regions of one face.

    Parameters
    ----------
    frame : the face frame of this face.
    xy : (478, 2) landmarks in image pixels.
    skin : (H, W) boolean skin mask of the whole image (see ``skin_mask``).

    Returns
    -------
    dict
        ``REGION_NAMES`` -> ``Region``; a region whose skin is not visible (hidden
        by hair, outside the photo) has an empty polygon and zero area.
    """
    outlines = anatomical_outlines(frame, xy)
    n_bottom = len(RIGHT_BROW_UPPER) + len(LEFT_BROW_UPPER)
    outline = _face_outline_mask(frame, xy, skin.shape)
    shapes = {
        # The forehead keeps the skin touching the brows: skin seen through a
        # fringe, or a bald scalp beyond it, is not forehead.
        "forehead": _clip(outlines["forehead"], skin,
                          seed_px=outlines["forehead"][:n_bottom] + 2.0 / frame.mm_per_px * frame.up_axis),
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
