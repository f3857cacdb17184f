"""Muscle movement in millimetres, from a rest photo and a contraction photo of one visit.

Botulinum toxin weakens the muscle it is injected into, so its effect shows as
less movement (DESIGN.md, "Movement"): brows that lift less on ``raise``
(frontalis), brow heads that approach and drop less on ``frown`` (corrugators,
procerus), eyes that narrow less on ``smile`` (orbicularis oculi).

Both photos are scaled by the iris (``landmarks.scale``), the contraction photo
is aligned onto the rest photo on points no expression moves (similarity from
the stable landmarks, corrected on the nasal bridge's pixels and, for raise and
frown, on the mid-face skin's; ``landmarks.track``), and the pair is refused
when the head turned between them (the turn is read from the same stable
landmarks in 3-D, not from the chin, which a smile moves). The brows are found
in the pixels (``landmarks.brows``) and followed by their texture; so are the
eyelids, whose closing in on each other is the eye's narrowing (``landmarks.eyes``).

Sign conventions, all in mm in the rest photo's face frame (``FaceFrame``):
``brow_lift`` > 0 up the face; ``brow_head_approach`` > 0 towards the midline
(per side) and ``brow_heads_approach`` > 0 when the distance between the heads
shrinks; ``brow_head_descent`` > 0 down the face; ``eye_opening_narrowing`` > 0
when the eye opening is smaller in the contraction photo; ``lower_lid_lift`` > 0
up the face. Left and right are the patient's.

Each figure's uncertainty is the standard deviation over repeated measurement
of the pair with the alignment, the patch positions and the pixels slightly
perturbed (for the eye's narrowing: the meshes re-run on slightly moved copies).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np
import numpy.typing as npt

from landmarks.align import STABLE_POINTS, Similarity
from landmarks.anatomy import FaceFrame
from landmarks.brows import BrowEdge, grey, upper_brow_edges
from landmarks.eyes import LOWER_LID, eye_narrowing_px, highlights_removed
from landmarks.mesh import Mesh, detect_faces
from landmarks.pose import pose_change
from landmarks.scale import iris_diameter_px, mm_per_px
from landmarks.track import landmark_similarity, match_patch, refine_on_bridge, refine_on_midface, track_patch, warp_into

MEASURED_EXPRESSIONS = ("raise", "frown", "smile")
SIDES = ("right", "left")
# Beyond this change of yaw or pitch between the photos, depth differences between
# brows and eye corners (~10 mm) move the brows by more than ~1 mm in the image.
MAX_POSE_CHANGE_DEG = 6.0
# The eye opening is a vertical distance between lid margins lying on the eyeball at
# nearly one depth (within ~1 mm): a pitch change of 10 degrees shortens a 10 mm
# opening by 0.15 mm and a depth difference of 1 mm adds 0.17 mm; yaw leaves it be.
# So on "smile" the eye opening is still read up to this change, the cheek is not.
MAX_EYE_POSE_CHANGE_DEG = 10.0
# For the eyelids the smile photo is brought onto the rest photo by a similarity fitted
# on the eye corners and the top of the nasal bridge alone, points at nearly the eyes' depth:
# under a pitch of 7 degrees the temples, 40-50 mm further back, no longer fit one
# 2-D similarity with them (residual > MAX_RESIDUAL_MM) though the eyes' scale is sound.
EYE_POINTS = (33, 133, 362, 263, 168, 6, 197)
MIN_IRIS_PX = 8.0  # a smaller iris gives no usable scale (one pixel is > 1.5 mm)
MAX_RESIDUAL_MM = 2.5  # stable landmarks further apart than this after alignment: no common frame
MIN_BROW_CONTRAST = 4.0  # grey levels per mm at the brow's upper edge (see BrowEdge.contrast)
MIN_PEAK = 0.5  # normalised cross-correlation below which a patch was not found again
REPEATS = 8
EYE_REPEATS = 3
# Where along the brow (share of its length from the head) each frontalis figure is read.
BROW_POSITIONS = {"head": 0.1, "centre": 0.5, "tail": 0.85}
HEAD_AT = 0.06
PATCH_HALF_MM = (3.0, 2.0)  # half width, half height of a followed patch
INTO_BROW_MM = 1.5  # patch centre below the upper edge: edge and brow hair both in it
REACH_MM = {"raise": (3.0, 10.0), "frown": (6.0, 6.0), "smile": (3.0, 6.0)}
CHEEK_BELOW_LID_MM = 4.0
# A smile squeezes the cheek below the lower lid into folds; its patch then slides
# along them and matches a few mm off (-4 to -6 mm "lifts" on London smiles). The
# cheek's match counts only when distinct: (1 - runner-up) / (1 - peak) at least
# CHEEK_MIN_DISTINCT, the runner-up being the best correlation half the patch's
# height or further from the match; and its lift only when the perturbed repeats
# agree within CHEEK_MAX_SPREAD_MM (one standard deviation).
CHEEK_MIN_DISTINCT = 1.1
CHEEK_MAX_SPREAD_MM = 1.0
# A smile lifts the cheek (zygomaticus, orbicularis oculi); nothing in it pulls the
# skin below the lower lid down. A "lift" below -CHEEK_MAX_DROP_MM is a match that
# slid along a fold, distinct and repeatable as it may be (London face 069, the
# patient's right: -5.7 mm): it is withheld, not shown as a cheek that fell.
CHEEK_MAX_DROP_MM = 1.5
TRACK_BLUR_MM = 0.2
MUSCLES = {"brow_lift": "frontalis", "brow_head_approach": "corrugator", "brow_heads_approach": "corrugator",
           "brow_head_descent": "procerus", "eye_opening_narrowing": "orbicularis_oculi",
           "lower_lid_lift": "orbicularis_oculi"}


@dataclass(frozen=True)
class Figure:
    """One movement figure: ``value_mm`` ± ``uncertainty_mm`` (one standard deviation), or
    ``withheld`` with a reason code (then both are None). ``side`` is the patient's
    ("right", "left") or None for a figure of both sides; ``position`` is "head",
    "centre" or "tail" along the brow, or None."""

    name: str
    muscle: str
    side: str | None
    position: str | None
    value_mm: float | None
    uncertainty_mm: float | None
    withheld: str | None = None


@dataclass(frozen=True)
class Movement:
    """Movement between a rest photo and a contraction photo of the same visit.

    ``withheld``: a reason code when the pair carries no figure at all
    (``no_face``, ``scale_unknown``, ``pose_mismatch``, ``alignment_failed``),
    else None (single figures may still be withheld: on ``smile`` the cheek's
    ``lower_lid_lift`` is ``pose_mismatch`` beyond ``MAX_POSE_CHANGE_DEG`` while the
    eye opening is read up to ``MAX_EYE_POSE_CHANGE_DEG``). ``pose_change_deg``: the
    larger change of yaw or pitch between the photos, read from the stable
    landmarks (``landmarks.pose.pose_change``); ``alignment_residual_mm``: the
    stable landmarks' RMS distance after alignment; ``mm_per_px``: the rest
    photo's scale.
    """

    expression: str
    figures: tuple[Figure, ...]
    withheld: str | None
    mm_per_px: float | None
    pose_change_deg: float | None
    alignment_residual_mm: float | None
    warnings: tuple[str, ...] = ()

    def figure(self, name: str, side: str | None = None, position: str | None = None) -> Figure | None:
        """The figure of that name, side and position, or None."""
        for figure in self.figures:
            if (figure.name, figure.side, figure.position) == (name, side, position):
                return figure
        return None

    def to_dict(self) -> dict:
        """Plain values only (str, float, None, lists, dicts), for storing as JSON."""
        data = asdict(self)
        data["figures"] = [asdict(f) for f in self.figures]
        data["warnings"] = list(self.warnings)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Movement":
        return cls(**{**data, "figures": tuple(Figure(**f) for f in data["figures"]),
                      "warnings": tuple(data.get("warnings", ()))})


def _withheld(expression: str, reason: str, **context: float | None) -> Movement:
    names = _figure_keys(expression)
    figures = tuple(Figure(n, MUSCLES[n], s, p, None, None, reason) for n, s, p in names)
    return Movement(expression=expression, figures=figures, withheld=reason,
                    mm_per_px=context.get("mm_per_px"), pose_change_deg=context.get("pose_change_deg"),
                    alignment_residual_mm=context.get("alignment_residual_mm"))


def _figure_keys(expression: str) -> list[tuple[str, str | None, str | None]]:
    if expression == "raise":
        return [("brow_lift", side, position) for side in SIDES for position in BROW_POSITIONS]
    if expression == "frown":
        return ([("brow_heads_approach", None, None)] + [("brow_head_approach", side, None) for side in SIDES]
                + [("brow_head_descent", side, None) for side in SIDES])
    return [(name, side, None) for name in ("eye_opening_narrowing", "lower_lid_lift") for side in SIDES]


def _face(rgb: npt.NDArray[np.uint8], mesh: Mesh | None) -> Mesh | None:
    if mesh is not None:
        return mesh
    faces = detect_faces(rgb, symmetric=True).faces
    return faces[0] if faces else None


def measure_movement(rest_rgb: npt.NDArray[np.uint8], contraction_rgb: npt.NDArray[np.uint8], expression: str, *,
                     rest_mesh: Mesh | None = None, contraction_mesh: Mesh | None = None,
                     repeats: int = REPEATS, seed: int = 0) -> Movement:
    """Movement of the muscles ``expression`` works, in mm, from a rest and a contraction photo.

    Parameters
    ----------
    rest_rgb, contraction_rgb : (H, W, 3) uint8
        The two photos of one visit, RGB, any size and framing.
    expression : {"raise", "frown", "smile"}
        What the contraction photo shows (DESIGN.md's expression names).
    rest_mesh, contraction_mesh : Mesh, optional
        The photos' symmetric face meshes (``detect_faces(..., symmetric=True)``),
        when already known; found here otherwise.
    repeats : int
        Perturbed repetitions for the uncertainty (the first is unperturbed).
    seed : int
        Seed of the perturbations (the same inputs give the same figures).

    Returns
    -------
    Movement
        Per-muscle figures in mm (see the module's sign conventions), each with
        its uncertainty or a reason it is withheld.
    """
    if expression not in MEASURED_EXPRESSIONS:
        raise ValueError(f"expression must be one of {MEASURED_EXPRESSIONS}, got {expression!r}")
    if repeats < 2:
        raise ValueError(f"repeats must be at least 2, got {repeats}")
    rest, contraction = _face(rest_rgb, rest_mesh), _face(contraction_rgb, contraction_mesh)
    if rest is None or contraction is None:
        return _withheld(expression, "no_face")
    if min(iris_diameter_px(rest.xy), iris_diameter_px(contraction.xy)) < MIN_IRIS_PX:
        return _withheld(expression, "scale_unknown")
    scale = mm_per_px(rest.xy)
    turn = pose_change(rest.points, contraction.points, STABLE_POINTS)
    pose_change_deg = max(abs(turn.yaw_deg), abs(turn.pitch_deg))
    transform, residual_px = landmark_similarity(rest.xy, contraction.xy)
    residual_mm = residual_px * scale
    context = {"mm_per_px": scale, "pose_change_deg": pose_change_deg, "alignment_residual_mm": residual_mm}
    # Why the skin cannot be followed from one photo to the other, if it cannot.
    unaligned = ("pose_mismatch" if pose_change_deg > MAX_POSE_CHANGE_DEG
                 else "alignment_failed" if residual_mm > MAX_RESIDUAL_MM else None)
    if expression == "smile":
        if pose_change_deg > MAX_EYE_POSE_CHANGE_DEG:
            return _withheld(expression, "pose_mismatch", **context)
        _, eye_residual_px = landmark_similarity(rest.xy, contraction.xy, EYE_POINTS)
        if eye_residual_px * scale > MAX_RESIDUAL_MM:
            return _withheld(expression, "alignment_failed", **context)
    elif unaligned is not None:
        return _withheld(expression, unaligned, **context)
    rest_grey, contraction_grey = grey(rest_rgb), grey(contraction_rgb)
    warnings: tuple[str, ...] = ()
    if unaligned is None:
        transform, refined = refine_on_bridge(rest_grey, contraction_grey, rest.xy, transform, scale)
        if expression != "smile":
            transform, on_midface = refine_on_midface(rest_grey, contraction_grey, rest.xy, transform, scale)
            refined = refined or on_midface
        warnings = () if refined else ("alignment_not_refined",)
    frame = FaceFrame.from_landmarks(rest.xy, scale)
    pair = _Pair(rest_grey, contraction_grey, rest.xy, transform, frame, expression, np.random.default_rng(seed))
    if expression == "smile":
        figures = _smile(pair, rest_rgb, contraction_rgb, contraction.xy, repeats, unaligned)
    else:
        figures = _brows(pair, upper_brow_edges(rest_rgb, rest.xy, scale), repeats)
    return Movement(expression=expression, figures=tuple(figures), withheld=None, mm_per_px=round(scale, 5),
                    pose_change_deg=round(pose_change_deg, 2), alignment_residual_mm=round(residual_mm, 3),
                    warnings=warnings)


@dataclass(frozen=True)
class _Pair:
    rest_grey: npt.NDArray[np.float32]
    contraction_grey: npt.NDArray[np.float32]
    rest_xy: npt.NDArray[np.float64]
    transform: Similarity
    frame: FaceFrame
    expression: str
    rng: np.random.Generator

    def shifts_mm(self, centres_px: npt.NDArray[np.float64], repeats: int,
                  jitter_along_px: npt.NDArray[np.float64] | None = None,
                  min_distinct: float = 0.0) -> npt.NDArray[np.float64]:
        """(repeats, N, 2) face-frame mm displacement (x towards the patient's left, y up)
        of patches centred at ``centres_px`` (N, 2); NaN where not found, or (with
        ``min_distinct``) where the match is not distinct (see ``CHEEK_MIN_DISTINCT``)."""
        px = 1 / self.frame.mm_per_px
        half = (PATCH_HALF_MM[0] * px, PATCH_HALF_MM[1] * px)
        reach = tuple(r * px for r in REACH_MM[self.expression])
        # Room for the patch, the search, the jitter along the brow and rounding (track_patch
        # gives up on a search that leaves the box, and too many give-ups withhold the figure).
        jitter = 0.0 if jitter_along_px is None else float(np.abs(jitter_along_px).max())
        margin = max(half) + max(reach) + jitter + 4
        x0, y0 = np.floor(centres_px.min(axis=0) - margin).astype(int)
        x1, y1 = np.ceil(centres_px.max(axis=0) + margin).astype(int)
        height, width = self.rest_grey.shape
        box = (max(0, x0), max(0, y0), min(width, x1) - max(0, x0), min(height, y1) - max(0, y0))
        sigma = TRACK_BLUR_MM * px
        rest = cv2.GaussianBlur(self.rest_grey[box[1]:box[1] + box[3], box[0]:box[0] + box[2]], (0, 0), sigma)
        local = centres_px - box[:2]
        out = np.full((repeats, len(centres_px), 2), np.nan)
        for r in range(repeats):
            transform, centres = self.transform, local
            if r:
                transform = _perturbed(transform, self.rest_xy, self.frame.mm_per_px, self.rng)
                if jitter_along_px is not None:
                    centres = local + jitter_along_px * self.rng.uniform(-1, 1, (len(local), 1))
            moved = warp_into(self.contraction_grey, transform, box)
            if r:
                moved = moved + self.rng.normal(0, 2.0, moved.shape).astype(np.float32)
            moved = cv2.GaussianBlur(moved, (0, 0), sigma)
            for i, centre in enumerate(centres):
                if min_distinct > 0:
                    shift, peak, runner_up = match_patch(rest, moved, centre, half, reach)
                    if (1 - runner_up) < min_distinct * (1 - peak):
                        continue
                else:
                    shift, peak = track_patch(rest, moved, centre, half, reach)
                if peak >= MIN_PEAK:
                    out[r, i] = [shift @ self.frame.x_axis, shift @ self.frame.up_axis]
        return out * self.frame.mm_per_px


def _perturbed(transform: Similarity, rest_xy: npt.NDArray[np.float64], scale: float,
               rng: np.random.Generator) -> Similarity:
    """``transform`` moved by a small random similarity about the face's centre: the
    alignment's own uncertainty (0.1 mm, 0.1 degree, 0.2 %)."""
    centre = rest_xy.mean(axis=0)
    angle, zoom = np.deg2rad(rng.normal(0, 0.1)), 1 + rng.normal(0, 0.002)
    rotation = zoom * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    shift = centre - rotation @ centre + rng.normal(0, 0.1 / scale, 2)
    return transform.then(Similarity(np.hstack([rotation, shift[:, None]])))


def _figure(name: str, side: str | None, position: str | None, samples: npt.NDArray[np.float64],
            reason: str | None = None, *, mean: bool = False) -> Figure:
    """A figure from its repeated samples (the first unperturbed): the first, or with
    ``mean`` the mean of all (for readings whose repeats are as good as the first)."""
    if reason is None and (np.isnan(samples[0]) or np.isnan(samples).mean() > 0.5):
        reason = "not_tracked"
    if reason is not None:
        return Figure(name, MUSCLES[name], side, position, None, None, reason)
    spread = float(np.nanstd(samples, ddof=1)) if np.sum(~np.isnan(samples)) > 1 else 0.0
    value = float(np.nanmean(samples)) if mean else float(samples[0])
    return Figure(name, MUSCLES[name], side, position, round(value, 2), round(spread, 2))


def _at(edge: BrowEdge, share: float) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The point and normal ``share`` of the way along the brow from the head."""
    index = share * (len(edge.points) - 1)
    stations = np.arange(len(edge.points))
    point = np.array([np.interp(index, stations, edge.points[:, k]) for k in (0, 1)])
    normal = np.array([np.interp(index, stations, edge.normals[:, k]) for k in (0, 1)])
    return point, normal / np.linalg.norm(normal)


def _brows(pair: _Pair, edges: dict[str, BrowEdge], repeats: int) -> list[Figure]:
    into = INTO_BROW_MM / pair.frame.mm_per_px
    shares = list(BROW_POSITIONS.values()) if pair.expression == "raise" else [HEAD_AT]
    centres, hidden = [], {}
    for side in SIDES:
        edge = edges[side]
        hidden[side] = "brows_not_visible" if edge.contrast < MIN_BROW_CONTRAST else None
        for share in shares:
            point, normal = _at(edge, share)
            centres.append(point - normal * into)
    jitter = 0.5 / pair.frame.mm_per_px * np.array([pair.frame.x_axis])
    shifts = pair.shifts_mm(np.array(centres), repeats, jitter).reshape(repeats, 2, len(shares), 2)
    figures = []
    if pair.expression == "raise":
        for s, side in enumerate(SIDES):
            for k, position in enumerate(BROW_POSITIONS):
                figures.append(_figure("brow_lift", side, position, shifts[:, s, k, 1], hidden[side]))
        return figures
    medial = {"right": 1.0, "left": -1.0}  # face-frame x runs from the patient's right to left
    approach = {side: shifts[:, s, 0, 0] * medial[side] for s, side in enumerate(SIDES)}
    either = hidden["right"] or hidden["left"]
    figures.append(_figure("brow_heads_approach", None, None, approach["right"] + approach["left"], either))
    for s, side in enumerate(SIDES):
        figures.append(_figure("brow_head_approach", side, None, approach[side], hidden[side]))
    for s, side in enumerate(SIDES):
        figures.append(_figure("brow_head_descent", side, None, -shifts[:, s, 0, 1], hidden[side]))
    return figures


def _jiggled(rgb: npt.NDArray[np.uint8], rng: np.random.Generator) -> tuple[npt.NDArray[np.uint8], float]:
    """A copy moved a few pixels, scaled by up to 2 %, with sensor noise, and its scale factor."""
    height, width = rgb.shape[:2]
    zoom = 1 + rng.uniform(-0.02, 0.02)
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), rng.uniform(-1, 1), zoom)
    matrix[:, 2] += rng.uniform(-3, 3, 2)
    moved = cv2.warpAffine(rgb, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return np.clip(moved + rng.normal(0, 2.0, moved.shape), 0, 255).astype(np.uint8), zoom


def _narrowings_mm(rest_rgb: npt.NDArray[np.uint8], rest_xy: npt.NDArray[np.float64],
                   contraction_rgb: npt.NDArray[np.uint8], contraction_xy: npt.NDArray[np.float64],
                   mm_per_px: float, rng: np.random.Generator, repeats: int) -> npt.NDArray[np.float64]:
    """(repeats, 2) eye narrowings (right, left) in rest-photo mm (``mm_per_px``: the rest
    photo's scale): the given meshes, then re-runs on jiggled copies of both photos. The
    contraction photo is brought onto the rest photo by a similarity on ``EYE_POINTS``."""
    out = np.full((repeats, 2), np.nan)
    for r in range(repeats):
        rest, contraction, scale = rest_rgb, contraction_rgb, mm_per_px
        rest_mesh, contraction_mesh = rest_xy, contraction_xy
        if r:
            (rest, zoom), (contraction, _) = _jiggled(rest_rgb, rng), _jiggled(contraction_rgb, rng)
            rest_faces, contraction_faces = (detect_faces(rest, symmetric=True).faces,
                                             detect_faces(contraction, symmetric=True).faces)
            if not rest_faces or not contraction_faces:
                continue
            rest_mesh, contraction_mesh, scale = rest_faces[0].xy, contraction_faces[0].xy, mm_per_px / zoom
        transform, _ = landmark_similarity(rest_mesh, contraction_mesh, EYE_POINTS)
        rest_image = highlights_removed(rest, scale)
        height, width = rest_image.shape
        moved = warp_into(highlights_removed(contraction, scale * transform.scale), transform, (0, 0, width, height))
        moved_mesh = transform.apply(contraction_mesh)
        out[r] = [eye_narrowing_px(rest_image, moved, rest_mesh, moved_mesh, side, scale) * scale for side in SIDES]
    return out


def _smile(pair: _Pair, rest_rgb: npt.NDArray[np.uint8], contraction_rgb: npt.NDArray[np.uint8],
           contraction_xy: npt.NDArray[np.float64], repeats: int,
           cheek_hidden: str | None = None) -> list[Figure]:
    """Both eyes' narrowing and, unless ``cheek_hidden`` gives the reason it cannot be,
    the cheek's lift."""
    narrowings = _narrowings_mm(rest_rgb, pair.rest_xy, contraction_rgb, contraction_xy, pair.frame.mm_per_px,
                                pair.rng, min(repeats, EYE_REPEATS))
    figures = [_figure("eye_opening_narrowing", side, None, narrowings[:, s], mean=True)
               for s, side in enumerate(SIDES)]
    if cheek_hidden is not None:
        return figures + [Figure("lower_lid_lift", MUSCLES["lower_lid_lift"], side, None, None, None, cheek_hidden)
                          for side in SIDES]
    below = CHEEK_BELOW_LID_MM / pair.frame.mm_per_px
    centres = np.array([pair.rest_xy[LOWER_LID[side]] - pair.frame.up_axis * below for side in SIDES])
    jitter = 0.5 / pair.frame.mm_per_px * np.array([pair.frame.x_axis])
    shifts = pair.shifts_mm(centres, repeats, jitter, CHEEK_MIN_DISTINCT)
    return figures + [cheek_lift(side, shifts[:, s, 1]) for s, side in enumerate(SIDES)]


def cheek_lift(side: str, samples: npt.NDArray[np.float64]) -> Figure:
    """The lower lid / cheek lift on a smile from its repeated samples (mm, up
    positive), withheld as "not_tracked" when the repeats disagree by more than
    ``CHEEK_MAX_SPREAD_MM`` or the cheek would have dropped by more than
    ``CHEEK_MAX_DROP_MM``: both are a patch that slid along the smile's folds."""
    figure = _figure("lower_lid_lift", side, None, samples)
    if figure.value_mm is not None and (figure.uncertainty_mm > CHEEK_MAX_SPREAD_MM
                                        or figure.value_mm < -CHEEK_MAX_DROP_MM):
        return _figure("lower_lid_lift", side, None, samples, "not_tracked")
    return figure
