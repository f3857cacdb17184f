"""MediaPipe Face Mesh (0.10.21, refined: 478 points) behind a process-wide lock.

The MediaPipe graph is loaded once per process (loading costs far more than a
run) and is not safe to call from two threads at once, so every call is
serialised through one lock. The mesh runs on a downscaled copy: the detector
works at 128 px and the landmark model at 192-256 px on its own face crop, so
more pixels only cost time; coordinates are scaled back to the caller's image.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

MAX_FACES = 4
ANALYSIS_LONG_SIDE_PX = 1280
MIN_TILE_PX = 64  # tiles smaller than this hold no face worth finding

_lock = threading.Lock()
_face_mesh = None


@dataclass(frozen=True)
class Mesh:
    """One face's landmarks in the caller's image pixels.

    ``points`` has shape (478, 3): x and y in pixels (origin top-left, y down),
    z the relative depth in the same pixel units (smaller is nearer the camera).
    Landmark indices follow MediaPipe's canonical face mesh; its "left" points
    (e.g. 263, 362) are the patient's own left in a non-mirrored photo.
    """

    points: npt.NDArray[np.float64]

    @property
    def xy(self) -> npt.NDArray[np.float64]:
        """The (478, 2) image coordinates."""
        return self.points[:, :2]

    def bbox_area_px(self) -> float:
        lo, hi = self.xy.min(axis=0), self.xy.max(axis=0)
        return float(np.prod(hi - lo))


@dataclass(frozen=True)
class MeshResult:
    """Every face found, largest first (possibly none)."""

    faces: tuple[Mesh, ...]


def _get_face_mesh():
    global _face_mesh
    if _face_mesh is None:
        import mediapipe as mp  # imported lazily: ~1 s, only where analysis runs

        _face_mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=True,
            refine_landmarks=True,
            max_num_faces=MAX_FACES,
            min_detection_confidence=0.5,
        )
    return _face_mesh


def _run(rgb: npt.NDArray[np.uint8], long_side_px: int) -> list[Mesh]:
    """Faces in ``rgb``, in its pixels, from one MediaPipe run on a bounded copy."""
    height, width = rgb.shape[:2]
    factor = min(1.0, long_side_px / max(height, width))
    small = rgb if factor == 1.0 else cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    with _lock:
        result = _get_face_mesh().process(np.ascontiguousarray(small))
    # Normalised coordinates are fractions of the image, whatever its size;
    # z is normalised by the width, like x.
    return [Mesh(points=np.array([(p.x, p.y, p.z) for p in face.landmark]) * np.array([width, height, width]))
            for face in result.multi_face_landmarks or ()]


def _bbox(mesh: Mesh) -> npt.NDArray[np.float64]:
    return np.concatenate([mesh.xy.min(axis=0), mesh.xy.max(axis=0)])


def _overlap(a: Mesh, b: Mesh) -> float:
    """Intersection over the smaller box: the same face seen from two tiles is ~1."""
    box_a, box_b = _bbox(a), _bbox(b)
    size = np.clip(np.minimum(box_a[2:], box_b[2:]) - np.maximum(box_a[:2], box_b[:2]), 0, None)
    smaller = min(np.prod(box_a[2:] - box_a[:2]), np.prod(box_b[2:] - box_b[:2]))
    return float(np.prod(size) / smaller) if smaller > 0 else 0.0


def _tiled(rgb: npt.NDArray[np.uint8], long_side_px: int) -> list[Mesh]:
    """Faces found in overlapping half-size tiles.

    MediaPipe's detector sees the whole image at 128 px and misses faces under
    about a tenth of the frame (a half-body shot, a photo taken from afar);
    tiles give such faces twice the relative size.
    """
    height, width = rgb.shape[:2]
    tile_h, tile_w = height // 2, width // 2
    if min(tile_h, tile_w) < MIN_TILE_PX:
        return []  # too small to hold a face worth finding (and a 1-px image has no half)
    found: list[Mesh] = []
    for top in (0, height // 4, height - tile_h):
        for left in (0, width // 4, width - tile_w):
            for mesh in _run(rgb[top:top + tile_h, left:left + tile_w], long_side_px):
                shifted = Mesh(points=mesh.points + np.array([left, top, 0.0]))
                twins = [m for m in found if _overlap(m, shifted) > 0.5]
                if not twins:
                    found.append(shifted)
                elif shifted.bbox_area_px() > max(m.bbox_area_px() for m in twins):
                    # Keep the view of the face that is least cut by the tile's edge.
                    found = [m for m in found if m not in twins] + [shifted]
    return found


def detect_faces(rgb: npt.NDArray[np.uint8], *, long_side_px: int = ANALYSIS_LONG_SIDE_PX) -> MeshResult:
    """Run the face mesh on an RGB image.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 array
        The image, RGB order.
    long_side_px : int
        The copy given to MediaPipe is downscaled to at most this long side.

    Returns
    -------
    MeshResult
        Faces ordered by bounding-box area, largest first, in ``rgb``'s pixels.
        When the whole image shows no face, overlapping tiles are searched.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB array, got {rgb.shape} {rgb.dtype}")
    faces = _run(rgb, long_side_px) or _tiled(rgb, long_side_px)
    faces.sort(key=lambda m: m.bbox_area_px(), reverse=True)
    return MeshResult(faces=tuple(faces))
