"""Brows moved by a known amount in a real photo, keeping the skin's texture.

A smooth displacement field moves the brow band rigidly (every brow pixel by
exactly the asked amount) and fades to zero towards the upper eyelids below and
about 25 mm up the forehead above, and beyond the brow's ends; pixels are
resampled (``cv2.remap``), never drawn, so hair and pores keep their look. Used
by the movement tests and ``bench/movement.py`` as ground truth.

Amounts are mm in the face frame (``landmarks.anatomy.FaceFrame``): ``lift_mm``
moves both brows up the face; ``approach_mm`` brings the brow heads that much
closer together (each head moves half of it towards the midline) and
``descent_mm`` moves the heads down, both fading out towards the brow tails.
"""
from __future__ import annotations

import cv2
import numpy as np

from landmarks.anatomy import FaceFrame, LEFT_BROW_LOWER, LEFT_BROW_UPPER, RIGHT_BROW_LOWER, RIGHT_BROW_UPPER
from landmarks.eyes import LOWER_LID_CONTOUR, UPPER_LID

FADE_BELOW_MM = 0.35  # share of the brow-to-lid gap over which the lift fades out towards the lid
FOREHEAD_FADE_MM = 25.0
ENDS_FADE_MM = 10.0
# The mesh's brow curves sit about 1 mm low and inside the hair: the rigid band reaches past them.
PLATEAU_ABOVE_MM, PLATEAU_BELOW_MM = 4.0, 1.0
# The brow head found in the pixels lies up to ~5 mm lateral of the mesh's medial brow
# point, and the movement is read on a patch about 6 mm wide just lateral of that.
HEAD_PLATEAU_MM, HEAD_FADE_MM = 12.0, 12.0


def _smoothstep(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0, 1)
    return t * t * (3 - 2 * t)


def _face_mm(rgb: np.ndarray, frame: FaceFrame, mm_per_px: float) -> tuple[np.ndarray, np.ndarray]:
    """Every pixel of ``rgb`` in the face frame, in mm: (across, up)."""
    height, width = rgb.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    d = np.stack([xs - frame.origin_px[0], ys - frame.origin_px[1]], axis=-1)
    return (d @ frame.x_axis) * mm_per_px, (d @ frame.up_axis) * mm_per_px


def _displaced(rgb: np.ndarray, frame: FaceFrame, mm_per_px: float, across_mm: np.ndarray,
               up_mm: np.ndarray) -> np.ndarray:
    """``rgb`` with each pixel moved by (``across_mm``, ``up_mm``) in the face frame: the output
    at p samples the input at p - d(p), so the skin's own texture moves, none is drawn."""
    height, width = rgb.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    shift = (across_mm[..., None] * frame.x_axis + up_mm[..., None] * frame.up_axis) / mm_per_px
    map_x, map_y = (xs - shift[..., 0]).astype(np.float32), (ys - shift[..., 1]).astype(np.float32)
    return cv2.remap(rgb, map_x, map_y, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


def move_brows(rgb: np.ndarray, xy: np.ndarray, mm_per_px: float, *, lift_mm: float = 0.0,
               approach_mm: float = 0.0, descent_mm: float = 0.0) -> np.ndarray:
    """``rgb`` with its brows moved (see the module docstring); ``xy`` (478, 2) its mesh."""
    frame = FaceFrame.from_landmarks(xy, mm_per_px)
    u, v = _face_mm(rgb, frame, mm_per_px)
    lid_v = frame.to_mm(xy[[159, 386]])[:, 1].max()
    dx = np.zeros_like(u)
    dv = np.zeros_like(u)
    for upper, lower, sign in ((RIGHT_BROW_UPPER, RIGHT_BROW_LOWER, -1), (LEFT_BROW_UPPER, LEFT_BROW_LOWER, 1)):
        top, bottom = frame.to_mm(xy[list(upper)]), frame.to_mm(xy[list(lower)])
        order = np.argsort(sign * top[:, 0])
        reach = sign * u  # distance from the midline towards this side, mm
        head, tail = abs(bottom[:, 0]).min(), abs(top[:, 0]).max()
        low = np.interp(reach, sign * bottom[np.argsort(sign * bottom[:, 0]), 0],
                        bottom[np.argsort(sign * bottom[:, 0]), 1])
        high = np.interp(reach, sign * top[order, 0], top[order, 1]) + PLATEAU_ABOVE_MM
        low = np.maximum(low - PLATEAU_BELOW_MM, lid_v + 1.0)
        # Vertical weight: 0 at the lid, 1 across the whole brow, 0 high on the forehead.
        rise = _smoothstep((v - lid_v) / np.maximum(low - lid_v, 1e-3) / (1 - FADE_BELOW_MM)
                           - FADE_BELOW_MM / (1 - FADE_BELOW_MM))
        fall = 1 - _smoothstep((v - high - 2.0) / FOREHEAD_FADE_MM)
        vertical = np.where(v < low, rise, np.where(v > high, fall, 1.0))
        side = reach > 0
        along = np.where(reach > tail + 2, 1 - _smoothstep((reach - tail - 2) / ENDS_FADE_MM), 1.0)
        lift_weight = vertical * along * side
        # The heads' movement: full over the head (to HEAD_PLATEAU_MM lateral of the mesh's
        # head, so the whole brow head moves rigidly), nothing at the midline or the tail.
        head_weight = (_smoothstep(reach / max(head, 1e-3))
                       * (1 - _smoothstep((reach - head - HEAD_PLATEAU_MM) / HEAD_FADE_MM))
                       * vertical * side)
        dv += lift_mm * lift_weight - descent_mm * head_weight
        dx += -sign * approach_mm / 2 * head_weight
    return _displaced(rgb, frame, mm_per_px, dx, dv)


# The eye's narrowing on a smile (``narrow_eyes``): the lower lid rises rigidly, with the skin
# from RIGID_BELOW_LID_MM below the mesh's lower margin (fading to nothing CHEEK_FADE_MM
# further down the cheek) up to RIGID_ABOVE_LID_MM above it (the margin in the pixels lies
# within about 1 mm of the mesh's), and covers the eye above it as a real lid does: over
# the next OCCLUSION_MM the shift falls to nothing, so the eye's lower part is hidden, not
# squeezed. Squeezed (the warp before), a lid lifted more than about 1 mm moved less than
# asked: 2.2 mm for 3 mm on the astronaut. Across the eye, fully over its middle and fading
# to nothing at the corners, which stay where they are.
RIGID_ABOVE_LID_MM, RIGID_BELOW_LID_MM, CHEEK_FADE_MM = 1.5, 3.0, 9.0
OCCLUSION_MM = 0.3
CORNER_FADE = 0.2  # share of the corner-to-corner width over which the rise fades out


def narrow_eyes(rgb: np.ndarray, xy: np.ndarray, mm_per_px: float, narrowing_mm: float) -> np.ndarray:
    """``rgb`` with both lower lids lifted by ``narrowing_mm`` over the middle of each eye,
    so the eye opening there is that much smaller; ``xy`` (478, 2) its mesh."""
    frame = FaceFrame.from_landmarks(xy, mm_per_px)
    u, v = _face_mm(rgb, frame, mm_per_px)
    shift = np.zeros_like(u)
    for upper, lower in ((UPPER_LID["right"], LOWER_LID_CONTOUR["right"]),
                         (UPPER_LID["left"], LOWER_LID_CONTOUR["left"])):
        top, bottom = frame.to_mm(xy[list(upper)]), frame.to_mm(xy[list(lower)])
        top, bottom = top[np.argsort(top[:, 0])], bottom[np.argsort(bottom[:, 0])]
        low = np.interp(u, bottom[:, 0], bottom[:, 1])
        start, end = top[0, 0], top[-1, 0]
        rise = narrowing_mm * _smoothstep(np.minimum(u - start, end - u) / (CORNER_FADE * (end - start)))
        # In the output, the lid (rigid band) now reaches ``rise`` higher.
        covered = low + RIGID_ABOVE_LID_MM + rise
        above = 1 - _smoothstep((v - covered) / OCCLUSION_MM)
        below = 1 - _smoothstep((low - RIGID_BELOW_LID_MM - v) / CHEEK_FADE_MM)
        vertical = np.where(v > low, above, below)
        vertical[v > np.interp(u, top[:, 0], top[:, 1])] = 0.0
        shift = np.maximum(shift, rise * vertical)
    return _displaced(rgb, frame, mm_per_px, np.zeros_like(shift), shift)
