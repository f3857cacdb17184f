"""Wrinkle measures of a face's treatment regions (see ``wrinkles`` for the filter).

The face window is resampled once from the original photo to the measurement
grid (``grid``: one lattice per photo, so a region's extent never shifts the
sampling of another); each region then gets its own expected line direction
(the glabella two: vertical, and horizontal across its nasal root) and its own
allowed skin: the region, minus anything that is not skin (grown by a margin
so the edge of hair or of the photo never reads as a valley), minus the brows
and the eyes.
"""
from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from landmarks.anatomy import (
    LEFT_BROW_LOWER,
    LEFT_BROW_UPPER,
    LEFT_EYE_CONTOUR,
    LEFT_EYE_OUTER,
    RIGHT_BROW_LOWER,
    RIGHT_BROW_UPPER,
    RIGHT_EYE_CONTOUR,
    RIGHT_EYE_OUTER,
    FaceFrame,
)
from landmarks.grid import Grid
from landmarks.masks import dilate, polygon_mask, window_around
from landmarks.parallel import at_once, in_bands
from landmarks.regions import Region
from landmarks.strands import REACH_MM as STRANDS_REACH_MM, strand_grid_mm, without_strands
from landmarks.wrinkles import (
    FULL_LINE_LENGTH_MM,
    GRID_MM_PER_PX,
    MIN_LINE_LENGTH_MM,
    REFERENCE_SKIN_CHROMA,
    RELIEF_REACH_MM,
    SIGMAS_MM,
    VALLEY_REACH_MM,
    LineMap,
    RegionLines,
    blown_out,
    equalise_resolution,
    expected_directions,
    line_map,
    log_luminance,
    measure,
    meets_standard,
    pixel_axes,
    valley_strength,
    without_relief,
)

NON_SKIN_MARGIN_MM = 2.0  # hair tips and strands at the hairline's edge
BROW_MARGIN_MM = 1.5
EYE_MARGIN_MM = 3.0       # lashes and the lid crease
HIGHLIGHT_MARGIN_MM = 1.0  # the dark rim of a specular highlight is no valley
# Hair strands: chromaticity smoothed at this scale, against the median over
# this much skin around it; a drop of more than this share of the skin's own
# ln(R/B) is another material, grown by a margin.
HAIR_CHROMA_SIGMA_MM = 0.3
HAIR_BACKGROUND_MM = 3.0
HAIR_CHROMA_DROP = 0.35
HAIR_MARGIN_MM = 0.6
# (shortest line, length at which a line counts in full), mm, for regions whose
# lines are shorter than the forehead's (default 5, 15): glabellar lines run
# only the 10-15 mm between the brow heads and the nasal root, and each crow's
# foot is a radial line of about a centimetre, so 10 mm is a whole line there.
# At the forehead's lengths their typical 6-8 mm lines sat on the steep start
# of the ramp, where a pixel of length more or less moved the index by ~7 %.
LINE_LENGTHS_MM = {"glabella": (4.0, 10.0), "crows_feet_left": (4.0, 10.0), "crows_feet_right": (4.0, 10.0)}
# The procerus creases the nasal root across, below the brow heads, in a line that
# spans most of the root's 10-15 mm. It is measured there as a line of its own
# direction, from 6 mm (counting in full from 12): accepting horizontal valleys of
# the glabella's 4 mm at the root took in its skin texture, and a 20 % change of
# exposure moved the portrait's glabella by 14 %.
PROCERUS_LINE_MM = (6.0, 12.0)


def _box(polygon: npt.NDArray[np.float64], shape: tuple[int, int]) -> tuple[slice, slice]:
    """The (rows, cols) slices of ``shape`` holding ``polygon``."""
    left, top = np.maximum(np.floor(polygon.min(axis=0)).astype(int), 0)
    right, bottom = np.ceil(polygon.max(axis=0)).astype(int) + 1
    return slice(top, min(bottom, shape[0])), slice(left, min(right, shape[1]))


def _excluded(shape: tuple[int, int], xy: npt.NDArray[np.float64], skin: npt.NDArray[np.bool_],
              px_per_mm: float) -> npt.NDArray[np.bool_]:
    """Non-skin, brows and eyes, each grown by its margin (window pixels)."""
    excluded = dilate(~skin, NON_SKIN_MARGIN_MM * px_per_mm)
    for upper, lower in ((RIGHT_BROW_UPPER, RIGHT_BROW_LOWER), (LEFT_BROW_UPPER, LEFT_BROW_LOWER)):
        brow = polygon_mask(shape, xy[list(upper) + list(lower[::-1])])
        excluded |= dilate(brow, BROW_MARGIN_MM * px_per_mm)
    for contour in (RIGHT_EYE_CONTOUR, LEFT_EYE_CONTOUR):
        excluded |= dilate(polygon_mask(shape, xy[list(contour)]), EYE_MARGIN_MM * px_per_mm)
    return excluded


def _not_shade(rgb: npt.NDArray[np.uint8], skin_chroma: float, mm_per_px: float) -> npt.NDArray[np.bool_]:
    """Pixels whose colour, not only brightness, departs from the skin around them.

    A wrinkle is a shadow: it darkens all channels alike and keeps the skin's
    chromaticity (if anything a shadow in skin is redder). A hair strand is
    another material: dark hair and grey or white hair are all less red than
    skin, so ``ln(R/B)`` drops along it. This tells a grey strand from pale
    skin where brightness and colour alone cannot.
    """
    red, _, blue = cv2.split(rgb)
    chroma = cv2.GaussianBlur(np.log((red.astype(np.float32) + 1.0) / (blue.astype(np.float32) + 1.0)), (0, 0),
                              HAIR_CHROMA_SIGMA_MM / mm_per_px)
    # The median over the skin around is taken on a copy at HAIR_CHROMA_SIGMA_MM per pixel (the
    # chromaticity is smooth at that scale already) and brought back: at the grid's own pixels the
    # median filter was a twentieth of the whole analysis.
    step = max(1, int(round(HAIR_CHROMA_SIGMA_MM / mm_per_px)))
    small = (max(1, chroma.shape[1] // step), max(1, chroma.shape[0] // step))
    coarse = np.clip(cv2.resize(chroma, small, interpolation=cv2.INTER_AREA) * 64 + 128, 0, 255).astype(np.uint8)
    size = max(3, int(round(HAIR_BACKGROUND_MM / (mm_per_px * step))) | 1)
    background = cv2.resize(cv2.medianBlur(coarse, min(size, 255)), chroma.shape[::-1], interpolation=cv2.INTER_LINEAR)
    drop = (background.astype(np.float32) - 128) / 64 - chroma
    return drop > HAIR_CHROMA_DROP * max(skin_chroma, 0.1)


def _below_brow_heads(shape: tuple[int, int], xy: npt.NDArray[np.float64], frame: FaceFrame) -> npt.NDArray[np.bool_]:
    """(H, W) bool: the pixels below the lower of the brow heads (``xy`` in the same
    pixels), where the glabella narrows to the nasal root and the procerus's
    horizontal line runs across the corrugators' vertical ones."""
    rows, cols = pixel_axes(shape)
    up_x, up_y = frame.up_axis
    heads = xy[[RIGHT_BROW_LOWER[-1], LEFT_BROW_LOWER[-1]]]
    return cols * up_x + rows * up_y < float(np.min(heads @ frame.up_axis))


def _without_strands(rgb: npt.NDArray[np.uint8], to_source: float, grid: Grid, grid_rgb: npt.NDArray[np.uint8],
                     source_mm_per_px: float, scale: float) -> npt.NDArray[np.float32]:
    """The grid's log-luminance with single hairs painted out (``landmarks.strands``).

    Hairs are looked for at ``strand_grid_mm`` of the photo: in a photo sharper than
    the grid, at (nearly) its own pixels, then brought to the grid. On the grid a
    real hair (0.1 mm) is diluted into a 0.2 mm pixel and spread by the smoothing
    before sampling, until it is as wide as a line half a millimetre wide.
    """
    strand_mm = strand_grid_mm(source_mm_per_px)
    if strand_mm >= GRID_MM_PER_PX:
        return _painted(log_luminance(grid_rgb), source_mm_per_px, scale, GRID_MM_PER_PX)
    fine = grid.finer(GRID_MM_PER_PX / strand_mm)
    painted = _painted(log_luminance(fine.sample(rgb, to_source)), source_mm_per_px, scale, strand_mm)
    return grid.resample(painted, fine)


def _painted(log_lum: npt.NDArray[np.float32], source_mm_per_px: float, scale: float,
             mm_per_px: float) -> npt.NDArray[np.float32]:
    """``without_strands`` of ``log_lum`` (at ``mm_per_px``), worked out in bands at once."""
    return in_bands(lambda band: without_strands(band, source_mm_per_px, scale, mm_per_px), log_lum,
                    int(np.ceil(STRANDS_REACH_MM / mm_per_px)))


def _valleys_without_relief(log_lum: npt.NDArray[np.float32], box: tuple[slice, slice],
                            scale: float) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """``valley_strength`` in ``box`` of the window's log-luminance with its relief taken out (the
    glabella's; see ``wrinkles.RELIEF_MM``), worked out over the box grown by the work's reach so
    its edges see the skin beyond them."""
    reach = int(np.ceil((RELIEF_REACH_MM + VALLEY_REACH_MM) / GRID_MM_PER_PX))
    rows, cols = box
    left, top, right, bottom = window_around([(cols.start, rows.start), (cols.stop, rows.stop)], reach, log_lum.shape)
    strength, direction = valley_strength(without_relief(log_lum[top:bottom, left:right]) / scale)
    inner = (slice(rows.start - top, rows.stop - top), slice(cols.start - left, cols.stop - left))
    return strength[inner], direction[inner]


def _region_lines(name: str, polygon: npt.NDArray[np.float64], strength: npt.NDArray[np.float32],
                  direction: npt.NDArray[np.float32], log_lum: npt.NDArray[np.float32],
                  allowed_skin: npt.NDArray[np.bool_], window_xy: npt.NDArray[np.float64], frame: FaceFrame,
                  scale: float) -> tuple[tuple[slice, slice], npt.NDArray[np.bool_], LineMap]:
    """One region's lines in its box of the grid window: the box, its allowed skin and the line map,
    in the region's own line direction (the glabella's across its nasal root too, and without its
    relief)."""
    box = _box(polygon, strength.shape)
    if name == "glabella":
        box_strength, box_direction = _valleys_without_relief(log_lum, box, scale)
    else:
        box_strength, box_direction = strength[box], direction[box]
    allowed = polygon_mask(strength.shape, polygon)[box] & allowed_skin[box]
    box_shape = allowed.shape
    origin = (box[1].start, box[0].start)
    horizontal = float(np.arctan2(frame.x_axis[1], frame.x_axis[0]))
    vertical = float(np.arctan2(frame.up_axis[1], frame.up_axis[0]))
    if name == "forehead":
        expected = expected_directions(box_shape, "axis", axis_angle=horizontal)
    elif name == "glabella":
        expected = expected_directions(box_shape, "axis", axis_angle=vertical)
    else:
        canthus = window_xy[LEFT_EYE_OUTER if name.endswith("left") else RIGHT_EYE_OUTER] - origin
        expected = expected_directions(box_shape, "radial", centre=(float(canthus[0]), float(canthus[1])))
    min_mm, full_mm = LINE_LENGTHS_MM.get(name, (MIN_LINE_LENGTH_MM, FULL_LINE_LENGTH_MM))
    lines = line_map(box_strength, box_direction, log_lum[box], allowed, expected, scale=scale,
                     min_length_mm=min_mm, full_length_mm=full_mm)
    if name == "glabella":
        root = _below_brow_heads(box_shape, window_xy - origin, frame) & allowed
        across = expected_directions(box_shape, "axis", axis_angle=horizontal)
        lines = lines.joined(line_map(box_strength, box_direction, log_lum[box], root, across, scale=scale,
                                      min_length_mm=PROCERUS_LINE_MM[0], full_length_mm=PROCERUS_LINE_MM[1]))
    return box, allowed, lines


def measure_regions(rgb: npt.NDArray[np.uint8], source_mm_per_px: float, frame: FaceFrame,
                    xy: npt.NDArray[np.float64], regions: dict[str, Region], skin: npt.NDArray[np.bool_],
                    scale: float) -> RegionLines:
    """Line maps and wrinkle measures of every visible region, at the measurement standard.

    Parameters
    ----------
    rgb : (H0, W0, 3) uint8, the original photo at its own resolution.
    source_mm_per_px : the original photo's scale; coarser than ``COARSEST_MM_PER_PX``
        nothing is measured (``measures`` is empty).
    frame : the face frame in the working image's pixels.
    xy : (478, 2) landmarks in the working image's pixels.
    regions : from ``treatment_regions``, working-image pixels.
    skin : (H, W) bool skin mask of the working image; its shape sets the
        working image's size (the original is (H0, W0), the same view).
    scale : the photo's ``photometric_scale``, taken once on the face's skin: taken
        over the regions' own window, it moved with whatever else the window held
        (on the astronaut, leaving out the crow's feet moved the glabella by 7 %).

    Returns
    -------
    RegionLines with ``label_map`` and ``measured`` in working-image pixels.
    """
    names = tuple(regions)
    label_map = np.zeros(skin.shape, np.uint8)
    measured = np.zeros(skin.shape, bool)
    visible = {name: r for name, r in regions.items() if r.polygon}
    if not visible or not meets_standard(source_mm_per_px):
        return RegionLines(measures={}, names=names, label_map=label_map, measured=measured)
    to_source = rgb.shape[1] / skin.shape[1]  # working px -> original px
    corners = np.vstack([np.asarray(r.polygon) for r in visible.values()])
    grid = Grid.around(window_around(corners, 4 * max(SIGMAS_MM) / frame.mm_per_px, skin.shape),
                       frame.mm_per_px / GRID_MM_PER_PX)
    grid_rgb = grid.sample(rgb, to_source)
    shape = grid.shape
    window_xy = grid.from_working(xy)
    window_skin = grid.sample(skin.astype(np.uint8), 1.0, nearest=True) > 0
    allowed_skin = ~_excluded(shape, window_xy, window_skin, 1.0 / GRID_MM_PER_PX)
    allowed_skin &= ~dilate(_not_shade(grid_rgb, scale * REFERENCE_SKIN_CHROMA, GRID_MM_PER_PX),
                            HAIR_MARGIN_MM / GRID_MM_PER_PX)
    allowed_skin &= ~dilate(blown_out(grid_rgb), HIGHLIGHT_MARGIN_MM / GRID_MM_PER_PX)
    log_lum = equalise_resolution(_without_strands(rgb, to_source, grid, grid_rgb, source_mm_per_px, scale),
                                  source_mm_per_px)
    strength, direction = in_bands(valley_strength, log_lum / scale, int(np.ceil(VALLEY_REACH_MM / GRID_MM_PER_PX)))

    found = at_once([lambda name=name: _region_lines(name, grid.from_working(visible[name].polygon), strength,
                                                     direction, log_lum, allowed_skin, window_xy, frame, scale)
                     for name in visible])
    measures = {}
    window_labels = np.zeros(shape, np.uint8)
    window_measured = np.zeros(shape, bool)
    for name, (box, allowed, lines) in zip(visible, found):
        result = measure(lines, allowed)
        if result is None:
            continue
        measures[name] = result
        window_measured[box] |= allowed
        labels = window_labels[box]
        labels[lines.mask & (labels == 0)] = names.index(name) + 1
    grid.paint(window_labels, label_map)
    painted = np.zeros(skin.shape, np.uint8)
    grid.paint(window_measured.astype(np.uint8), painted)
    measured = painted > 0
    return RegionLines(measures=measures, names=names, label_map=label_map, measured=measured)
