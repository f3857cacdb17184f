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

N_POINTS = 478
MAX_FACES = 4
ANALYSIS_LONG_SIDE_PX = 1280

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
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB array, got {rgb.shape} {rgb.dtype}")
    height, width = rgb.shape[:2]
    factor = min(1.0, long_side_px / max(height, width))
    small = rgb if factor == 1.0 else cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    small = np.ascontiguousarray(small)
    with _lock:
        result = _get_face_mesh().process(small)
    faces = []
    for face in result.multi_face_landmarks or ():
        raw = np.array([(p.x, p.y, p.z) for p in face.landmark], dtype=np.float64)
        # Normalised coordinates are fractions of the image, whatever its size;
        # z is normalised by the width, like x.
        points = raw * np.array([width, height, width])
        faces.append(Mesh(points=points))
    faces.sort(key=lambda m: m.bbox_area_px(), reverse=True)
    return MeshResult(faces=tuple(faces))
