"""The mesh's mirror twins, and a measurement mesh that a mirror does not change."""
from __future__ import annotations

import numpy as np
import pytest

from landmarks.anatomy import (
    CHIN,
    FACE_OVAL,
    LEFT_BROW_LOWER,
    LEFT_BROW_UPPER,
    LEFT_EYE_CONTOUR,
    LEFT_IRIS_CENTRE,
    LEFT_IRIS_RIM,
    NASION,
    RIGHT_BROW_LOWER,
    RIGHT_BROW_UPPER,
    RIGHT_EYE_CONTOUR,
    RIGHT_IRIS_CENTRE,
    RIGHT_IRIS_RIM,
)
from landmarks.mesh import detect_faces
from landmarks.symmetry import MIRROR_TWIN
from tests.images import astronaut

TWIN = np.asarray(MIRROR_TWIN)


def _mirrored_back(points: np.ndarray, width: int) -> np.ndarray:
    """Landmarks found on a mirror image, mapped back onto the photo and renumbered."""
    back = points[TWIN].copy()
    back[:, 0] = width - 1 - back[:, 0]
    return back


def test_twins_pair_the_named_landmarks():
    assert len(TWIN) == 478 and (TWIN[TWIN] == np.arange(478)).all()
    right = RIGHT_BROW_UPPER + RIGHT_BROW_LOWER + RIGHT_EYE_CONTOUR + (RIGHT_IRIS_CENTRE,)
    left = LEFT_BROW_UPPER + LEFT_BROW_LOWER + LEFT_EYE_CONTOUR + (LEFT_IRIS_CENTRE,)
    assert [MIRROR_TWIN[i] for i in right] == list(left)
    assert set(TWIN[list(RIGHT_IRIS_RIM)]) == set(LEFT_IRIS_RIM)
    assert set(TWIN[list(FACE_OVAL)]) == set(FACE_OVAL)
    assert MIRROR_TWIN[NASION] == NASION and MIRROR_TWIN[CHIN] == CHIN


@pytest.fixture(scope="module")
def face():
    return astronaut(3.0)


def test_twins_match_a_fresh_mesh_of_the_mirror_image(face):
    """One plain run each: the mirror image's landmarks, renumbered, land on the
    photo's own within the model's jitter (about 2 % of the eyes' distance here),
    and far closer than left in their own order."""
    direct = detect_faces(face).faces[0].xy
    mirrored = _mirrored_back(detect_faces(face[:, ::-1].copy()).faces[0].points, face.shape[1])[:, :2]
    iod = np.linalg.norm(direct[RIGHT_IRIS_CENTRE] - direct[LEFT_IRIS_CENTRE])
    error = np.linalg.norm(direct - mirrored, axis=1) / iod
    assert error.mean() < 0.03 and error.max() < 0.08, (error.mean(), error.max())
    unpaired = np.linalg.norm(direct - _mirrored_back(detect_faces(face[:, ::-1].copy()).faces[0].points[TWIN],
                                                      face.shape[1])[:, :2], axis=1) / iod
    assert unpaired.mean() > 5 * error.mean()


def test_the_measurement_mesh_is_the_same_in_a_mirror(face):
    photo = detect_faces(face, symmetric=True).faces[0].points
    mirror = detect_faces(face[:, ::-1].copy(), symmetric=True).faces[0].points
    np.testing.assert_allclose(_mirrored_back(mirror, face.shape[1]), photo, atol=0.05)
