"""MediaPipe Face Mesh (0.10.21, refined: 478 points) behind a process-wide lock.

The MediaPipe graph is loaded once per process (loading costs far more than a
run) and is not safe to call from two threads at once, so every call is
serialised through one lock. The mesh runs on a downscaled copy: the detector
works at 128 px and the landmark model at 192-256 px on its own face crop, so
more pixels only cost time; coordinates are scaled back to the caller's image.

For measurement the mesh is made mirror-symmetric (``symmetric=True``):
MediaPipe's landmark model is not. The astronaut and her mirror image gave
brows a millimetre apart, enough to move the edge of a forehead strip under a
fringe (region IoU 0.88 between a photo and its mirror image, mapped back) and
to read one side of a face differently from the other. The run on the photo
is averaged with a run on its mirror image, each landmark with its mirror twin
(``symmetry``): the same face then gives the same landmarks however it is
flipped, and independent jitter is averaged down. It costs one more landmark
run (about 50 ms on the 1280-px copy).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from landmarks.symmetry import MIRROR_TWIN

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


def _run(rgb: npt.NDArray[np.uint8], long_side_px: int, symmetric: bool) -> list[Mesh]:
    """Faces in ``rgb``, in its pixels, from one MediaPipe run on a bounded copy
    (averaged with a run on its mirror image when ``symmetric``)."""
    height, width = rgb.shape[:2]
    factor = min(1.0, long_side_px / max(height, width))
    small = rgb if factor == 1.0 else cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    faces = _landmarks(small, width, height)
    if not symmetric or not faces:
        return faces
    mirrored = []
    for face in _landmarks(small[:, ::-1], width, height):
        points = face.points[list(MIRROR_TWIN)]
        points[:, 0] = width - 1 - points[:, 0]  # a mirror maps pixel index i to width - 1 - i
        mirrored.append(Mesh(points=points))
    return [_with_mirror_twin(face, mirrored) for face in faces]


def _landmarks(small: npt.NDArray[np.uint8], width: int, height: int) -> list[Mesh]:
    """The faces MediaPipe finds in ``small``, in the pixels of a ``width`` x ``height`` image of the same view."""
    with _lock:
        result = _get_face_mesh().process(np.ascontiguousarray(small))
    # Normalised x, y times the copy's size are pixel indices of the copy (pixel i's
    # centre at i); they are scaled about pixel edges, so centres map onto centres
    # in the caller's image. z is normalised by the width, like x.
    factor = np.array([width / small.shape[1], height / small.shape[0]])
    faces = []
    for face in result.multi_face_landmarks or ():
        normalised = np.array([(p.x, p.y, p.z) for p in face.landmark])
        xy = (normalised[:, :2] * small.shape[1::-1] + 0.5) * factor - 0.5
        faces.append(Mesh(points=np.column_stack([xy, normalised[:, 2] * width])))
    return faces


def _with_mirror_twin(face: Mesh, mirrored: list[Mesh]) -> Mesh:
    """``face`` averaged with the same face found in the mirror image (mapped back
    and renumbered), or unchanged when the mirror run missed it."""
    twins = [m for m in mirrored if _overlap(face, m) > 0.5]
    if not twins:
        return face
    twin = max(twins, key=lambda m: _overlap(face, m))
    return Mesh(points=(face.points + twin.points) / 2)


def _bbox(mesh: Mesh) -> npt.NDArray[np.float64]:
    return np.concatenate([mesh.xy.min(axis=0), mesh.xy.max(axis=0)])


def _overlap(a: Mesh, b: Mesh) -> float:
    """Intersection over the smaller box: the same face seen from two tiles is ~1."""
    box_a, box_b = _bbox(a), _bbox(b)
    size = np.clip(np.minimum(box_a[2:], box_b[2:]) - np.maximum(box_a[:2], box_b[:2]), 0, None)
    smaller = min(np.prod(box_a[2:] - box_a[:2]), np.prod(box_b[2:] - box_b[:2]))
    return float(np.prod(size) / smaller) if smaller > 0 else 0.0


def _tiled(rgb: npt.NDArray[np.uint8], long_side_px: int, symmetric: bool) -> list[Mesh]:
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
            for mesh in _run(rgb[top:top + tile_h, left:left + tile_w], long_side_px, symmetric):
                shifted = Mesh(points=mesh.points + np.array([left, top, 0.0]))
                twins = [m for m in found if _overlap(m, shifted) > 0.5]
                if not twins:
                    found.append(shifted)
                elif shifted.bbox_area_px() > max(m.bbox_area_px() for m in twins):
                    # Keep the view of the face that is least cut by the tile's edge.
                    found = [m for m in found if m not in twins] + [shifted]
    return found


def detect_faces(rgb: npt.NDArray[np.uint8], *, long_side_px: int = ANALYSIS_LONG_SIDE_PX,
                 symmetric: bool = False) -> MeshResult:
    """Run the face mesh on an RGB image.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 array
        The image, RGB order.
    long_side_px : int
        The copy given to MediaPipe is downscaled to at most this long side.
    symmetric : bool
        Average with a run on the mirror image (see the module's docstring):
        for measurement; live capture guidance keeps the single, faster run.

    Returns
    -------
    MeshResult
        Faces ordered by bounding-box area, largest first, in ``rgb``'s pixels.
        When the whole image shows no face, overlapping tiles are searched.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB array, got {rgb.shape} {rgb.dtype}")
    faces = _run(rgb, long_side_px, symmetric) or _tiled(rgb, long_side_px, symmetric)
    faces.sort(key=lambda m: m.bbox_area_px(), reverse=True)
    return MeshResult(faces=tuple(faces))
