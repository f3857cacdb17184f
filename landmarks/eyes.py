"""The eye's narrowing: how far the lids close in on each other between two photos.

The mesh's eyelid contours lag real lid movement, smoothed by its face model:
with the lower lids lifted by a known 1, 2 and 3 mm (``tests.warps.narrow_eyes``)
the mesh's lower lid rises a median 0.6, 1.2 and 1.7 mm (26 London faces), and
on the London smiles 0.3 mm where the margin found in the pixels rises
0.6-0.7 mm. The margin found in each photo's pixels on its own (the strongest
darkening out of the eye near the mesh's lid) does not lag, but takes another
edge from photo to photo (beneath a dark iris the lash line 0.5-1 mm below the
margin, sometimes the margin itself) and cannot reach a lid the mesh left
behind by more than its search. The opening read on each photo as the mean of
the two, subtracted, read those lifts 0.1-0.2, 0.5 and 0.9 mm short on average
(``bench/movement.py``, part b; worst 2.3 mm).

So each lid is followed by its own texture instead, from the rest photo into the
other photo brought onto it (a similarity on the eye corners and nasal bridge):
a band across the lid, from ``BAND_MM[0]`` inside the eye (the margin's edge
against the white or iris) to ``BAND_MM[1]`` out on the lid (lashes, skin), over
the middle third of the lid, is moved along the lid's normals to where it
correlates best. The search starts where the mesh moved the lid and reaches
``SEARCH_MM[0]`` further into the eye (the way the mesh lags a closing lid) and
``SEARCH_MM[1]`` out of it. The narrowing is the lower lid's rise plus the upper
lid's descent: a difference of two movements, so an error of the alignment
shared by both lids cancels. On 51 London faces (single readings, no re-run
copies), lifts of 1, 2 and 3 mm read with a median error of -0.00, -0.01 and
-0.01 mm, 90 % within 0.08, 0.11 and 0.13 mm (before: -0.21, -0.50, -0.88 mm,
90 % within 0.6, 1.1 and 1.6 mm); a recapture of the same photo reads 0.14 mm
at the 90th percentile (0.58 mm before); 94 % of the real smiles narrow, median
0.82 mm (94 %, 0.85 mm before). As the app measures (``bench/movement.py``, three
re-run copies averaged): 92 % of the smiles narrow, median 0.78 mm, re-run spread
0.07 mm (94 %, 0.72 mm and 0.21 mm before); the four that do not are smiles that
hardly reach the eyes, both lids moving together with the gaze.

Specular highlights on the cornea and the wet lid margin (bright, under 1.5 mm)
are removed from both photos first: they follow the light and the gaze, not the
lid. Coordinates are image pixels; left and right are the patient's.
"""
from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from landmarks.brows import _resample, profiles

# The middle of each lower lid (MediaPipe indices): the cheek is followed below it.
LOWER_LID = {"right": 145, "left": 374}
# Lid contours from the outer to the inner corner (MediaPipe indices).
UPPER_LID = {"right": (33, 246, 161, 160, 159, 158, 157, 173, 133),
             "left": (263, 466, 388, 387, 386, 385, 384, 398, 362)}
LOWER_LID_CONTOUR = {"right": (33, 7, 163, 144, 145, 153, 154, 155, 133),
                     "left": (263, 249, 390, 373, 374, 380, 381, 382, 362)}
HIGHLIGHT_MM = 1.5   # grey-level opening: brighter spots smaller than this are removed
SMOOTH_MM = 0.15
LID_SPAN = (1 / 3, 2 / 3)  # share of each lid's arc length followed: its middle third
LID_STATIONS = 11
BAND_MM = (-0.5, 2.0)    # the band followed, along the lid's normal out of the eye
SEARCH_MM = (2.5, 1.0)   # searched into and out of the eye from where the mesh moved the lid
STEP_MM = 0.05
ACROSS_MM = 0.5          # each profile averaged over this length along the lid


def highlights_removed(rgb: npt.NDArray[np.uint8], mm_per_px: float) -> npt.NDArray[np.float32]:
    """(H, W) float32 grey image with bright spots under ``HIGHLIGHT_MM`` opened away, then
    blurred by ``SMOOTH_MM``: what ``lid_movement_px`` follows the lids in."""
    if mm_per_px <= 0:
        raise ValueError(f"mm_per_px must be positive, got {mm_per_px}")
    grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    size = max(3, int(round(HIGHLIGHT_MM / mm_per_px)) | 1)
    opened = cv2.morphologyEx(grey, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    return cv2.GaussianBlur(opened.astype(np.float32), (0, 0), SMOOTH_MM / mm_per_px)


def lid_stations(xy: npt.NDArray[np.float64], side: str,
                 lid: str) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``LID_STATIONS`` points (px) evenly along ``LID_SPAN`` of the ``lid`` ("upper" or "lower")
    of the ``side`` eye in the (478, 2) landmarks ``xy``, from the outer corner inward, and
    their unit normals pointing out of the eye."""
    contour = xy[list(UPPER_LID[side] if lid == "upper" else LOWER_LID_CONTOUR[side])]
    dense = _resample(contour, 200)
    stations = _resample(dense[int(LID_SPAN[0] * 199):int(LID_SPAN[1] * 199) + 1], LID_STATIONS)
    tangent = np.gradient(stations, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    normals = np.column_stack([tangent[:, 1], -tangent[:, 0]])
    outward = -1.0 if lid == "upper" else 1.0  # image y of the direction out of the eye
    normals[np.sign(normals[:, 1]) != outward] *= -1
    return stations, normals


def lid_movement_px(rest_image: npt.NDArray[np.float32], moved_image: npt.NDArray[np.float32],
                    rest_xy: npt.NDArray[np.float64], moved_xy: npt.NDArray[np.float64], side: str, lid: str,
                    mm_per_px: float) -> float:
    """How far (px, out of the eye positive) the ``lid`` of the ``side`` eye moved from the
    rest photo to the other, over the middle third of the lid (``LID_SPAN``).

    Parameters
    ----------
    rest_image, moved_image : (H, W) float32
        ``highlights_removed`` of the rest photo, and of the other photo brought into
        the rest photo's pixels.
    rest_xy, moved_xy : (478, 2) float
        The photos' face meshes, both in the rest photo's pixels.
    mm_per_px : float
        The rest photo's scale at the eyes.

    Returns
    -------
    float
        The shift of the lid band (``BAND_MM``) that correlates best, searched
        ``SEARCH_MM`` about the mesh's own movement; the mesh's movement when no
        correlation peak lies inside the search.
    """
    stations, normals = lid_stations(rest_xy, side, lid)
    moved_stations, _ = lid_stations(moved_xy, side, lid)
    mesh_mm = float(np.mean(np.sum((moved_stations - stations) * normals, axis=1))) * mm_per_px
    band = np.arange(BAND_MM[0], BAND_MM[1] + STEP_MM / 2, STEP_MM)
    shifts = np.arange(mesh_mm - SEARCH_MM[0], mesh_mm + SEARCH_MM[1] + STEP_MM / 2, STEP_MM)
    across = ACROSS_MM / mm_per_px
    reference = profiles(rest_image, stations, normals, band / mm_per_px, across)
    reach = shifts[0] + band[0] + STEP_MM * np.arange(len(shifts) + len(band) - 1)
    searched = profiles(moved_image, stations, normals, reach / mm_per_px, across)
    # Normalised cross-correlation of each station's band at each shift, averaged over the stations.
    windows = np.lib.stride_tricks.sliding_window_view(searched, len(band), axis=1)
    windows = windows - windows.mean(axis=2, keepdims=True)
    reference = reference - reference.mean(axis=1, keepdims=True)
    products = np.einsum("nsk,nk->ns", windows, reference)
    norms = np.sqrt(np.einsum("nsk,nsk->ns", windows, windows) * np.sum(reference ** 2, axis=1)[:, None])
    score = np.mean(products / np.maximum(norms, 1e-6), axis=0)
    inner = np.arange(1, len(score) - 1)
    peaks = inner[(score[inner] >= score[inner - 1]) & (score[inner] >= score[inner + 1])]
    if not len(peaks):
        return mesh_mm / mm_per_px
    best = int(peaks[np.argmax(score[peaks])])
    before, at, after = score[best - 1:best + 2]
    curvature = before - 2 * at + after
    offset = 0.5 * (before - after) / curvature if curvature < 0 else 0.0
    return float(shifts[best] + offset * STEP_MM) / mm_per_px


def eye_narrowing_px(rest_image: npt.NDArray[np.float32], moved_image: npt.NDArray[np.float32],
                     rest_xy: npt.NDArray[np.float64], moved_xy: npt.NDArray[np.float64], side: str,
                     mm_per_px: float) -> float:
    """How much (px, positive narrower) the ``side`` eye's opening narrowed from the rest
    photo to the other: the lower lid's rise plus the upper lid's descent
    (``lid_movement_px``, whose arguments these are)."""
    return -sum(lid_movement_px(rest_image, moved_image, rest_xy, moved_xy, side, lid, mm_per_px)
                for lid in ("lower", "upper"))
