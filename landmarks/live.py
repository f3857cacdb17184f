"""Live capture checks: is this camera frame fit to take the photo?

The capture page sends small frames (about 480 px wide) a few times a second;
each is judged with the same face mesh, pose, scale and quality measures the
stored photos get, so a frame judged ready makes a photo that passes them.
The answer is one short instruction, the most important first, for the
injector to read out to the patient ("Turn a little to your right").

Left and right are the patient's own. Face size is judged at the resolution
the photo will be taken at (``capture_width``), not at the frame's.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from landmarks.anatomy import FACE_OVAL, LEFT_IRIS_CENTRE, RIGHT_IRIS_CENTRE, FaceFrame
from landmarks.expression import ExpressionMeasures, expression_measures, shows_expression, smiles
from landmarks.masks import polygon_mask
from landmarks.mesh import detect_faces
from landmarks.pose import Pose, head_pose
from landmarks.quality import QualityLimits, measure_quality
from landmarks.scale import IRIS_DIAMETER_MM, iris_diameter_px, mm_per_px
from landmarks.wrinkles import COARSEST_MM_PER_PX, meets_standard

VIEW_YAW_DEG = {"front": 0.0, "left45": 45.0, "right45": -45.0}  # head turned to the patient's left: yaw > 0
EDGE_MARGIN = 0.02          # share of the frame the face oval must stay clear of
MAX_SIDE_LIGHT_RATIO = 1.6  # one half of the face this many times brighter than the other: uneven light
EXPRESSION_ADVICE = {"frown": "Frown hard: draw your eyebrows together.",
                     "raise": "Raise your eyebrows as high as you can.",
                     "rest": "Relax your face: no smile.",
                     "smile": "Smile as broadly as you can, showing your teeth."}


@dataclass(frozen=True)
class FrameCheck:
    """``status``: ``ready``, ``adjust`` or ``no-face``; ``advice``: the first thing to fix."""

    status: str
    advice: str
    failed: tuple[str, ...] = ()
    pose: Pose | None = None
    iris_px: float | None = None  # at the capture resolution
    expression: ExpressionMeasures | None = None
    notes: tuple[str, ...] = field(default=())


def check_frame(rgb: npt.NDArray[np.uint8], *, capture_width: int, view: str, expression: str,
                rest: ExpressionMeasures | None, limits: QualityLimits = QualityLimits()) -> FrameCheck:
    """Judge one (H, W, 3) RGB camera frame for the view and expression asked for.

    A smile is judged from this frame alone (a rest view must not smile, a smile view
    must). ``rest`` is the patient's rest expression (today's or the last visit's);
    without it a frown or a raise cannot be judged and the check says so instead of guessing.
    """
    faces = detect_faces(rgb).faces
    if not faces:
        return FrameCheck("no-face", "No face found: bring the whole face into the picture, facing the camera.",
                          failed=("face",))
    height, width = rgb.shape[:2]
    mesh = faces[0]
    xy = mesh.xy
    capture_scale = capture_width / width
    iris_px = iris_diameter_px(xy) * capture_scale
    pose = head_pose(mesh.points)
    iod_px = float(np.linalg.norm(xy[LEFT_IRIS_CENTRE] - xy[RIGHT_IRIS_CENTRE]))
    quality = measure_quality(rgb, xy, iod_px, iris_px)
    frame = FaceFrame.from_landmarks(xy, mm_per_px(xy))
    measures = expression_measures(frame, xy)

    problems: list[tuple[str, str]] = []
    oval = xy[list(FACE_OVAL)]
    margin = EDGE_MARGIN * max(width, height)
    if (oval[:, 0].min() < margin or oval[:, 1].min() < margin
            or oval[:, 0].max() > width - margin or oval[:, 1].max() > height - margin):
        problems.append(("framing", "Move back a little: the whole face must be in the picture."))
    problems += pose_problems(pose, view, limits)
    if not meets_standard(mm_per_px(xy) / capture_scale):
        needed = IRIS_DIAMETER_MM / COARSEST_MM_PER_PX
        problems.append(("size", f"Come closer: the face is too small to measure lines (iris {iris_px:.0f} px, "
                                 f"{needed:.0f} px needed)."))
    problems += _light_problems(rgb, xy, quality.mean_luminance, quality.highlight_fraction, limits)
    if quality.sharpness < limits.min_sharpness:
        problems.append(("sharpness", "Hold still: the picture is blurred."))
    notes: list[str] = []
    problem = _expression_problem(expression, measures, rest)
    if problem:
        problems.append(("expression", problem))
    elif expression in ("frown", "raise") and rest is None:
        notes.append("The expression is not checked: there is no rest photo of this patient yet.")
    if problems:
        return FrameCheck("adjust", problems[0][1], failed=tuple(name for name, _ in problems), pose=pose,
                          iris_px=round(iris_px, 1), expression=measures, notes=tuple(notes))
    return FrameCheck("ready", "Ready: take the photo.", pose=pose, iris_px=round(iris_px, 1),
                      expression=measures, notes=tuple(notes))


def pose_problems(pose: Pose, view: str, limits: QualityLimits) -> list[tuple[str, str]]:
    """(check, advice) for each pose axis off the view's target by more than its limit."""
    problems = []
    if abs(pose.roll_deg) > limits.max_roll_deg:
        shoulder = "left" if pose.roll_deg > 0 else "right"
        problems.append(("roll", f"Straighten your head: it leans towards your {shoulder} shoulder."))
    yaw = pose.yaw_deg - VIEW_YAW_DEG[view]
    if abs(yaw) > limits.max_yaw_deg:
        # Turned too far towards their left: turn back to the right, and the other way round.
        problems.append(("yaw", f"Turn a little to your {'right' if yaw > 0 else 'left'}."))
    if abs(pose.pitch_deg) > limits.max_pitch_deg:
        problems.append(("pitch", "Chin down a little." if pose.pitch_deg > 0 else "Chin up a little."))
    return problems


def _light_problems(rgb: npt.NDArray[np.uint8], xy: npt.NDArray[np.float64], mean_luminance: float,
                    highlight_fraction: float, limits: QualityLimits) -> list[tuple[str, str]]:
    if mean_luminance < limits.min_mean_luminance:
        return [("light", "Too dark: add light in front of the face.")]
    if mean_luminance > limits.max_mean_luminance or highlight_fraction > limits.max_clipped_fraction:
        return [("light", "Too bright: reduce the light or step out of direct light.")]
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    mask = polygon_mask(gray.shape, xy[list(FACE_OVAL)])
    midline = float(xy[[RIGHT_IRIS_CENTRE, LEFT_IRIS_CENTRE], 0].mean())
    columns = np.arange(gray.shape[1])[None, :]
    image_left = gray[mask & (columns < midline)]  # the patient's right side in a non-mirrored picture
    image_right = gray[mask & (columns >= midline)]
    if image_left.size < 50 or image_right.size < 50:
        return []
    right_side, left_side = float(image_left.mean()) + 1.0, float(image_right.mean()) + 1.0
    if max(right_side, left_side) / min(right_side, left_side) > MAX_SIDE_LIGHT_RATIO:
        darker = "right" if right_side < left_side else "left"
        return [("light", f"One side is darker: add light on the patient's {darker} side.")]
    return []


def _expression_problem(expression: str, measures: ExpressionMeasures, rest: ExpressionMeasures | None) -> str | None:
    if expression in ("rest", "smile"):
        shown = smiles(measures) == (expression == "smile")
    else:
        shown = rest is None or shows_expression(expression, measures, rest)
    return None if shown else EXPRESSION_ADVICE[expression]
