"""The brow's upper edge found in the pixels, with the face mesh as the guide.

MediaPipe's upper-brow points lie a median 1.7 mm from the upper edge a person
places by hand (London set, 51 faces), about 1.2 mm low, and its face model
smooths a raised brow towards the average face. The edge itself is where the
dark brow hair gives way to lighter forehead skin, going up the face. Along
lines across the brow (normal to the mesh's brow curve) the strongest
dark-to-light step upward near the mesh's guess is that edge; one curve
through these steps is chosen for the whole brow at once (dynamic
programming, a penalty on bends), so one stray hair or forehead line cannot
pull a single point away. From each step the edge is then followed up through
any fainter band of sparse hairs above it (see ``EDGE_OUTER_SHARE``), except
at the brow's head, where above the hair lies glabellar skin (see ``HEAD_BLEND_MM``).

Coordinates are image pixels (x right, y down, origin top left). ``offset_mm``
is measured along the normal, positive up the face (towards the forehead).
Left and right are the patient's: the right brow is on the image's left.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from landmarks.anatomy import LEFT_BROW_LOWER, LEFT_BROW_UPPER, RIGHT_BROW_LOWER, RIGHT_BROW_UPPER

STATIONS = 21
# Search along each normal, mm from the mesh's upper-brow curve (positive up).
# The mesh sits about 1.2 mm low, 90 % of its points within 2.5 mm of the edge.
SEARCH_BELOW_MM, SEARCH_ABOVE_MM = 2.5, 3.5
STEP_MM = 0.1
SMOOTH_MM = 0.35  # Gaussian blur before the profiles: hairs are ~0.1 mm, the edge a band
ACROSS_MM = 1.0   # each profile is averaged over this length along the brow
BEND_COST = 0.6   # penalty per mm of offset change between neighbouring stations, in gradient units
# A person places the upper edge on the outermost hairs. Above a dense brow body
# there is often a fainter band of sparse hairs (fair or fine brows, dark skin),
# so the steepest step lies inside the brow: from it the edge is moved up to where
# the grey level has risen EDGE_OUTER_SHARE of the way from the brow's darkest
# (below the step) to the forehead skin (the SKIN_PERCENTILE-th percentile of the
# profile above the step), then EDGE_BIAS_MM further. Tuned on the London
# development half (even and odd ids alike): the centre points 73/80 p90
# 1.65 -> 0.99 mm, the medial 74/79 1.26 -> 0.86 mm.
EDGE_OUTER_SHARE = 0.6
SKIN_PERCENTILE = 75
EDGE_BIAS_MM = 0.6
HEAD_EXTENSION = 0.25  # of the mesh brow's length, searched medially for the head
HEAD_STEP_MM = 0.2
HEAD_SEARCH = 0.3  # share of the lengthened brow, from its medial end, searched for the head
GLABELLA_MM = 2.0  # the lengthened brow's first mm: the glabella's skin level
# ``find_head``'s threshold rule: the head begins where the grey level has fallen
# this share of the way from the glabella's skin to the brow's body, for at least
# HEAD_HOLD_MM (tuned on the London development half: the hand-placed corners
# 75/78, p90 4.2 -> 2.8 mm; averaged with a change point, 2.24 mm).
HEAD_DARKENING = 0.4
HEAD_HOLD_MM = 2.0
# The grey level along the brow is read over the middle HEAD_BAND of its height
# each side of the centre line (was 0.6: with the upper edge now on the
# outermost sparse hairs, a wider band took in the faint hair above and the lid's
# skin below; the head corners' p90 2.81 -> 2.52 mm on the development half).
HEAD_BAND = 0.3
# Medial of the head's corner there are no sparse hairs above the brow to follow,
# only glabellar skin, often lighter below a forehead line: moved up to
# ``EDGE_OUTER_SHARE`` of the way to that skin the edge climbs away from the head.
# So at and medial of the head the edge is the steepest step itself (no outer-hair
# share, no ``EDGE_BIAS_MM``), blending linearly into the outermost-hair edge over
# HEAD_BLEND_MM lateral of the head (about the head's own length). London
# development half, with the head of ``find_head``: head corners 75/78 p90
# 2.43 -> 2.24 mm, all upper-edge points 1.50 -> 1.38 mm; any blend of 6-14 mm
# gives 1.38-1.39.
HEAD_BLEND_MM = 10.0


@dataclass(frozen=True)
class BrowEdge:
    """One brow's upper edge.

    ``points``: (N, 2) image pixels, from the brow head (medial) to the tail.
    ``mesh_points``: (N, 2) the mesh's upper-brow curve at the same stations.
    ``normals``: (N, 2) unit vectors across the brow, pointing up the face.
    ``offset_mm``: (N,) the found edge's distance from the mesh curve along the
    normal, positive up. ``contrast``: median strength of the found step, as the
    rise in grey level (0-255) per mm; near zero when no brow is visible.
    ``head_px``: (2,) the lower corner of the brow head, where the brow begins on
    the mesh's lower-brow curve (``points[0]`` is its upper corner, across the brow
    from it: see ``_close_head``).
    """

    side: str
    points: npt.NDArray[np.float64]
    mesh_points: npt.NDArray[np.float64]
    normals: npt.NDArray[np.float64]
    offset_mm: npt.NDArray[np.float64]
    contrast: float
    head_px: npt.NDArray[np.float64] | None = None

    @property
    def outline(self) -> npt.NDArray[np.float64]:
        """(N + 1, 2) px: down the brow head's medial end, then along the upper edge to the tail."""
        if self.head_px is None:
            return self.points
        return np.vstack([self.head_px, self.points])


def _resample(polyline: npt.NDArray[np.float64], count: int) -> npt.NDArray[np.float64]:
    """``count`` points evenly spaced by arc length along ``polyline`` (M, 2)."""
    lengths = np.r_[0, np.cumsum(np.linalg.norm(np.diff(polyline, axis=0), axis=1))]
    at = np.linspace(0, lengths[-1], count)
    return np.column_stack([np.interp(at, lengths, polyline[:, 0]), np.interp(at, lengths, polyline[:, 1])])


def _normals(upper: npt.NDArray[np.float64], lower: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Unit normals to the brow's centre line, on the side of the upper curve."""
    centre = (upper + lower) / 2
    tangent = np.gradient(centre, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    normal = np.column_stack([tangent[:, 1], -tangent[:, 0]])
    flip = np.sum(normal * (upper - lower), axis=1) < 0
    normal[flip] *= -1
    return normal


def _extend_head(polyline: npt.NDArray[np.float64], fraction: float) -> npt.NDArray[np.float64]:
    """``polyline`` (head first) lengthened at the head along its first segment by ``fraction`` of its length."""
    length = np.sum(np.linalg.norm(np.diff(polyline, axis=0), axis=1))
    direction = polyline[0] - polyline[1]
    head = polyline[0] + direction / np.linalg.norm(direction) * fraction * length
    return np.vstack([head, polyline])


def mesh_brow(xy: npt.NDArray[np.float64], side: str, count: int = STATIONS,
              head_extension: float = 0.0) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The mesh's upper and lower brow curves, (count, 2) px each, head to tail.

    The mesh's brow stops short of the brow head (the hand-placed head lies a
    median 3-4 mm medial of it on the London set), so both curves are
    lengthened medially by ``head_extension`` of their length (``upper_brow_edges``
    then finds where the brow begins).
    """
    upper, lower = {"right": (RIGHT_BROW_UPPER, RIGHT_BROW_LOWER), "left": (LEFT_BROW_UPPER, LEFT_BROW_LOWER)}[side]
    # anatomy lists the contours lateral -> medial; here the head comes first.
    upper_px, lower_px = xy[list(upper[::-1])], xy[list(lower[::-1])]
    if head_extension > 0:
        upper_px, lower_px = _extend_head(upper_px, head_extension), _extend_head(lower_px, head_extension)
    return _resample(upper_px, count), _resample(lower_px, count)


def grey(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """The grey image the edge is found on (float32, 0-255)."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) RGB array, got {rgb.shape}")
    return cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY).astype(np.float32)


def profiles(image: npt.NDArray[np.float32], points: npt.NDArray[np.float64], normals: npt.NDArray[np.float64],
             offsets_px: npt.NDArray[np.float64], across_px: float) -> npt.NDArray[np.float32]:
    """Grey levels along the normals: (N, K) for N stations and K offsets (px, positive along
    the normal), each averaged over ``across_px`` along the brow (bilinear samples)."""
    tangent = np.column_stack([-normals[:, 1], normals[:, 0]])
    spread = np.linspace(-across_px / 2, across_px / 2, max(3, int(round(across_px)) + 1))
    # (N, S, K, 2) sample positions
    pos = (points[:, None, None, :] + normals[:, None, None, :] * offsets_px[None, None, :, None]
           + tangent[:, None, None, :] * spread[None, :, None, None])
    flat = pos.reshape(-1, 2).astype(np.float32)
    values = cv2.remap(image, flat[:, :1].reshape(1, -1), flat[:, 1:].reshape(1, -1), cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_REPLICATE)
    return values.reshape(pos.shape[:3]).mean(axis=1)


def _best_path(score: npt.NDArray[np.float64], bend: float) -> npt.NDArray[np.int64]:
    """Index per row maximising the summed ``score`` minus ``bend`` per index step between rows."""
    rows, cols = score.shape
    index = np.arange(cols)
    penalty = bend * np.abs(index[:, None] - index[None, :])  # (to, from)
    total = score[0].copy()
    back = np.zeros((rows, cols), np.int64)
    for row in range(1, rows):
        candidates = total[None, :] - penalty
        back[row] = np.argmax(candidates, axis=1)
        total = score[row] + candidates[index, back[row]]
    path = np.empty(rows, np.int64)
    path[-1] = int(np.argmax(total))
    for row in range(rows - 1, 0, -1):
        path[row - 1] = back[row, path[row]]
    return path


def _outermost(values: npt.NDArray[np.float32], offsets_mm: npt.NDArray[np.float64], path: npt.NDArray[np.int64],
               found_mm: npt.NDArray[np.float64], share: float) -> npt.NDArray[np.float64]:
    """Per station, the step at ``found_mm`` (index ``path`` into ``offsets_mm``) moved up to where the
    profile ``values`` (N, K) first reaches ``share`` of the way from the brow to the skin."""
    out = found_mm.copy()
    for row, at in enumerate(path):
        body = float(values[row, :at + 1].min())
        above = values[row, at:]
        skin = float(np.percentile(above, SKIN_PERCENTILE))
        level = body + share * (skin - body)
        reach = np.nonzero(above >= level)[0]
        if len(reach):
            out[row] = max(found_mm[row], offsets_mm[at + reach[0]])
    return out


@dataclass(frozen=True)
class _Steps:
    """The steepest dark-to-light step up each station's profile, before it is moved out to the
    outermost hairs: the normals, the profiles ``values`` (N, K) at ``offsets_mm``, the chosen
    ``path`` (N,) into them, the step's sub-step offset ``found_mm`` and the median step ``contrast``."""

    normals: npt.NDArray[np.float64]
    values: npt.NDArray[np.float32]
    offsets_mm: npt.NDArray[np.float64]
    path: npt.NDArray[np.int64]
    found_mm: npt.NDArray[np.float64]
    contrast: float


def _find_steps(image: npt.NDArray[np.float32], upper_px: npt.NDArray[np.float64], lower_px: npt.NDArray[np.float64],
                mm_per_px: float, search_mm: tuple[float, float]) -> _Steps:
    """The steepest step near ``upper_px`` at every station, one curve for the whole brow
    (see ``refine_upper_edge``)."""
    if mm_per_px <= 0:
        raise ValueError(f"mm_per_px must be positive, got {mm_per_px}")
    normals = _normals(upper_px, lower_px)
    blurred = cv2.GaussianBlur(image, (0, 0), SMOOTH_MM / mm_per_px)
    offsets_mm = np.arange(-search_mm[0], search_mm[1] + STEP_MM / 2, STEP_MM)
    values = profiles(blurred, upper_px, normals, offsets_mm / mm_per_px, ACROSS_MM / mm_per_px)
    rise = np.gradient(values, STEP_MM, axis=1)  # grey levels per mm, going up the face
    score = np.clip(rise, 0, None)
    scale = float(np.median(score.max(axis=1))) or 1.0
    path = _best_path(score / scale, BEND_COST * STEP_MM)
    found_mm = offsets_mm[path]
    # Sub-step position of the step: parabola through the peak and its neighbours.
    inner = (path > 0) & (path < len(offsets_mm) - 1)
    r = np.arange(len(path))[inner]
    a, b, c = rise[r, path[inner] - 1], rise[r, path[inner]], rise[r, path[inner] + 1]
    denominator = a - 2 * b + c
    shift = np.where(np.abs(denominator) > 1e-6, 0.5 * (a - c) / np.where(denominator == 0, 1, denominator), 0)
    found_mm = found_mm.astype(np.float64)
    found_mm[inner] += np.clip(shift, -0.5, 0.5) * STEP_MM
    contrast = float(np.median(rise[np.arange(len(path)), path]))
    return _Steps(normals, values, offsets_mm, path, found_mm, contrast)


def _edge(steps: _Steps, upper_px: npt.NDArray[np.float64], mm_per_px: float, side: str, outer_share: float,
          bias_mm: float) -> BrowEdge:
    """The edge from ``steps``, moved ``outer_share`` of the way out to the skin and ``bias_mm`` on."""
    found_mm = _outermost(steps.values, steps.offsets_mm, steps.path, steps.found_mm, outer_share)
    found_mm = np.convolve(np.pad(found_mm, 1, mode="edge"), np.ones(3) / 3, mode="valid")
    offset = found_mm + bias_mm
    points = upper_px + steps.normals * (offset / mm_per_px)[:, None]
    return BrowEdge(side=side, points=points, mesh_points=upper_px, normals=steps.normals, offset_mm=offset,
                    contrast=steps.contrast)


def refine_upper_edge(image: npt.NDArray[np.float32], upper_px: npt.NDArray[np.float64],
                      lower_px: npt.NDArray[np.float64], mm_per_px: float, *, side: str = "right",
                      search_mm: tuple[float, float] = (SEARCH_BELOW_MM, SEARCH_ABOVE_MM),
                      bias_mm: float = EDGE_BIAS_MM, outer_share: float = EDGE_OUTER_SHARE) -> BrowEdge:
    """The brow's upper edge near a guessed curve.

    Parameters
    ----------
    image : (H, W) float32
        Grey image (``grey``), not yet blurred.
    upper_px, lower_px : (N, 2) float
        The guessed upper and lower brow curves, head to tail, image pixels.
    mm_per_px : float
        Scale of ``image`` (the iris ruler, ``landmarks.scale.mm_per_px``).
    search_mm : (below, above)
        How far below and above ``upper_px`` the edge is looked for, mm along the normal.
    bias_mm : float
        Added along the normal to the outermost step (see ``EDGE_BIAS_MM``).
    outer_share : float
        How far from the steepest step towards the skin the edge is moved up (see
        ``EDGE_OUTER_SHARE``); 0 keeps the steepest step.

    Returns
    -------
    BrowEdge
        The refined edge at the N stations of ``upper_px``.
    """
    steps = _find_steps(image, upper_px, lower_px, mm_per_px, search_mm)
    return _edge(steps, upper_px, mm_per_px, side, outer_share, bias_mm)


def upper_brow_edges(rgb: npt.NDArray[np.uint8], xy: npt.NDArray[np.float64],
                     mm_per_px: float) -> dict[str, BrowEdge]:
    """Both brows' upper edges, ``{"right": ..., "left": ...}`` (the patient's sides).

    Parameters
    ----------
    rgb : (H, W, 3) uint8
        The photo.
    xy : (478, 2) float
        The face mesh's landmarks in ``rgb``'s pixels.
    mm_per_px : float
        The photo's scale at the face.
    """
    image = grey(rgb)
    edges = {}
    for side in ("right", "left"):
        upper, lower = mesh_brow(xy, side, STATIONS + 6, HEAD_EXTENSION)
        # One search for the steps serves both edges: the outermost hairs' and, at the head, the step's own.
        steps = _find_steps(image, upper, lower, mm_per_px, (SEARCH_BELOW_MM, SEARCH_ABOVE_MM))
        edge = _edge(steps, upper, mm_per_px, side, EDGE_OUTER_SHARE, EDGE_BIAS_MM)
        head = find_head(image, edge.points, lower, mm_per_px)
        index = np.arange(len(lower))
        step = _edge(steps, upper, mm_per_px, side, 0.0, 0.0)
        along_mm = np.r_[0, np.cumsum(np.linalg.norm(np.diff(upper, axis=0), axis=1))] * mm_per_px
        weight = np.clip((along_mm - np.interp(head, index, along_mm)) / HEAD_BLEND_MM, 0, 1)
        edge = _blend_at_head(edge, step, weight, mm_per_px)
        start, corner = _close_head(edge, lower, head)
        edges[side] = _from(edge, start, corner)
    return edges


def _crossing(polyline: npt.NDArray[np.float64], point: npt.NDArray[np.float64],
              normal: npt.NDArray[np.float64], near: float) -> float | None:
    """The fractional index where ``polyline`` (M, 2) crosses the line through ``point`` along ``normal``
    (the crossing nearest index ``near``), or None when it does not cross it."""
    along = (polyline - point) @ np.array([-normal[1], normal[0]])
    sides = np.nonzero(np.diff(np.sign(along)) != 0)[0]
    if not len(sides):
        return None
    at = sides + along[sides] / (along[sides] - along[sides + 1])
    return float(at[np.argmin(np.abs(at - near))])


def _close_head(edge: BrowEdge, lower_px: npt.NDArray[np.float64],
                head: float) -> tuple[float, npt.NDArray[np.float64]]:
    """Where the outline closes at the head: the upper edge's fractional station and the lower corner (px)
    on the line across the brow (along its normal) through ``find_head``'s point.

    ``mesh_brow`` spaces the upper and lower curves' stations each by its own length, so a station on the
    lower curve lies a median 3.9 mm medial of the same station on the upper edge (London set): closed at
    one station the head's medial end leaned that far, where the hand-placed ends lean 1.0 mm (upper
    corner 75/78 lateral of lower 76/77). Closed across the brow through the head's point (midway
    between those stations, where ``find_head`` read it), all upper-edge points' p90 1.38 -> 1.35 mm
    (even ids 1.32 -> 1.26, odd 1.50 -> 1.49); the head corners 2.24 -> 2.14.
    """
    index = np.arange(len(lower_px))

    def at(values: npt.NDArray[np.float64], station: float) -> npt.NDArray[np.float64]:
        return np.array([np.interp(station, index, values[:, 0]), np.interp(station, index, values[:, 1])])

    centre = (at(edge.points, head) + at(lower_px, head)) / 2
    normal = at(edge.normals, head)
    upper_station = _crossing(edge.points, centre, normal, head)
    lower_station = _crossing(lower_px, centre, normal, head)
    start = head if upper_station is None else upper_station
    return start, at(lower_px, head if lower_station is None else lower_station)


def _blend_at_head(outer: BrowEdge, step: BrowEdge, weight: npt.NDArray[np.float64], mm_per_px: float) -> BrowEdge:
    """Per station ``weight`` of the ``outer`` edge's offset and the rest of the ``step`` edge's (both at
    the same stations, normals alike): the steepest step at the head, the outermost hairs lateral of
    it (see ``HEAD_BLEND_MM``)."""
    offset = weight * outer.offset_mm + (1 - weight) * step.offset_mm
    points = outer.mesh_points + outer.normals * (offset / mm_per_px)[:, None]
    return BrowEdge(side=outer.side, points=points, mesh_points=outer.mesh_points, normals=outer.normals,
                    offset_mm=offset, contrast=outer.contrast)


def _from(edge: BrowEdge, start: float, head_px: npt.NDArray[np.float64]) -> BrowEdge:
    """``edge`` starting at fractional station ``start`` (the head), resampled to ``STATIONS``."""
    at = np.linspace(start, len(edge.points) - 1, STATIONS)
    index = np.arange(len(edge.points))

    def pick(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        if values.ndim == 1:
            return np.interp(at, index, values)
        return np.column_stack([np.interp(at, index, column) for column in values.T])

    normals = pick(edge.normals)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    return BrowEdge(side=edge.side, points=pick(edge.points), mesh_points=pick(edge.mesh_points), normals=normals,
                    offset_mm=pick(edge.offset_mm), contrast=edge.contrast, head_px=head_px)


def _change_point(values: npt.NDArray[np.float64]) -> int:
    """The index k (2 <= k < len - 2) that best splits ``values`` into two constant runs, ``[:k]`` and
    ``[k:]``: the least summed squared deviation from each run's mean."""
    count = len(values)
    k = np.arange(2, count - 2)
    head_sum, head_squares = np.cumsum(values)[k - 1], np.cumsum(values ** 2)[k - 1]
    tail_sum, tail_squares = values.sum() - head_sum, np.sum(values ** 2) - head_squares
    residual = head_squares - head_sum ** 2 / k + tail_squares - tail_sum ** 2 / (count - k)
    return int(k[np.argmin(residual)])


def find_head(image: npt.NDArray[np.float32], upper_px: npt.NDArray[np.float64], lower_px: npt.NDArray[np.float64],
              mm_per_px: float) -> float:
    """Where the brow begins: the fractional station (0 = the first of ``upper_px``).

    Read along the line midway between the upper and lower curves (head first,
    px), in the first ``HEAD_SEARCH`` of it, by two rules whose mean is returned:

    - threshold: the first place, going from the glabella towards the tail, where
      the grey level has fallen ``HEAD_DARKENING`` of the way from the glabella's
      skin to the brow's body and stays there for ``HEAD_HOLD_MM``. A brow head
      thins out gradually, so the steepest step (the fallback when no such place
      exists) lies inside the head, 3-7 mm lateral of where a person marks its
      corner on a tenth of the London brows.
    - change point: the place that best splits the searched grey levels into a
      skin run and a brow run (two-segment least squares). It needs no skin level
      read from the glabella's first mm nor a share of the way to the body.

    The threshold misses a head of faint sparse hairs (too lateral) and is set off
    by dark skin between the brows (too medial); the change point goes wrong where
    the glabella's shading steps. Their errors along the brow correlate (0.67,
    London development half) but not fully: the mean's head corners 75/78 p90
    2.24 mm against 2.58 (threshold) and 2.67 (change point), all upper-edge
    points 1.38 against 1.44 and 1.47 (with ``HEAD_BLEND_MM``).
    """
    centre = (upper_px + lower_px) / 2
    dense = _resample(centre, int(np.sum(np.linalg.norm(np.diff(centre, axis=0), axis=1)) * mm_per_px / HEAD_STEP_MM))
    blurred = cv2.GaussianBlur(image, (0, 0), 2 * SMOOTH_MM / mm_per_px)
    tangent = np.gradient(dense, axis=0)
    normals = np.column_stack([tangent[:, 1], -tangent[:, 0]]) / np.linalg.norm(tangent, axis=1, keepdims=True)
    half_width = np.linalg.norm(upper_px - lower_px, axis=1).mean() / 2
    across = profiles(blurred, dense, normals, np.linspace(-HEAD_BAND, HEAD_BAND, 7) * half_width, 1.0).mean(axis=1)
    # The lengthened curve starts HEAD_EXTENSION of the brow's length medial of the
    # mesh's head, on glabellar skin; the brow's body is its middle.
    skin = float(np.median(across[:max(3, int(GLABELLA_MM / HEAD_STEP_MM))]))
    body = float(np.median(across[int(len(dense) * 0.4):int(len(dense) * 0.7)]))
    below = across < skin - HEAD_DARKENING * (skin - body)
    hold = max(1, int(HEAD_HOLD_MM / HEAD_STEP_MM))
    reach = int(len(dense) * HEAD_SEARCH)
    starts = [k for k in range(reach) if below[k:k + hold].all()]
    if starts:
        threshold = starts[0]
    else:
        threshold = int(np.argmax(-np.gradient(across, HEAD_STEP_MM)[:reach]))
    best = (threshold + _change_point(across[:reach].astype(np.float64))) / 2
    return best / (len(dense) - 1) * (len(upper_px) - 1)
