"""The eye opening: how far apart the lid margins are, from the face mesh.

The mesh's eyelid contour follows the lid margins closely (its refined model
places the eye region at a higher resolution than the rest of the face), and
the opening is read between the upper and lower margin over the middle third
of the eye, where the lids are furthest apart and the mesh's points face each
other. On the London set, a smile narrows it in most people (``bench/movement.py``).

Left and right are the patient's.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

# Upper-lid point above lower-lid point, over the middle of each eye (MediaPipe indices).
LID_PAIRS = {
    "right": ((160, 144), (159, 145), (158, 153)),
    "left": ((387, 373), (386, 374), (385, 380)),
}
LOWER_LID = {"right": 145, "left": 374}


def eye_opening_px(xy: npt.NDArray[np.float64], side: str) -> float:
    """Mean distance (px) between the upper and lower lid margins over the middle of
    the ``side`` ("right" or "left") eye, from (478, 2) landmarks."""
    pairs = np.array(LID_PAIRS[side])
    return float(np.mean(np.linalg.norm(xy[pairs[:, 0]] - xy[pairs[:, 1]], axis=1)))
